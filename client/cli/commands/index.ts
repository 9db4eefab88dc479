import type { Command } from "../command.js";
import { command as exportCommand } from "./export.js";
import { command as get } from "./get.js";

/** Every CLI command by name; each lives in its own module. */
export const COMMANDS: Record<string, Command> = {
  export: exportCommand,
  get,
};
