import type { Command, CommandGroup } from "../command.js";
import { command as exportCommand } from "./export.js";
import { command as get } from "./get.js";
import { command as deleteCommand } from "./delete.js";
import { command as importCommand } from "./import.js";
import { command as prompt } from "./prompt.js";
import { command as query } from "./query.js";
import { command as reindex } from "./reindex.js";
import { command as search } from "./search.js";
import { command as set } from "./set.js";
import { command as stats } from "./stats.js";
import { command as watch } from "./watch.js";

/** Every CLI command by name; each lives in its own module. */
export const COMMANDS: Record<string, Command | CommandGroup> = {
  get,
  set,
  delete: deleteCommand,
  query,
  watch,
  search,
  stats,
  import: importCommand,
  export: exportCommand,
  reindex,
  prompt,
};
