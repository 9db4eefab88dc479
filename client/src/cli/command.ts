import type { FabricClient } from "../remote/fabric-client.js";

export interface CliContext {
  client: FabricClient;
  /** Positional arguments after the command name. */
  args: string[];
  /** `--name value` / `--name=value` / bare `--name` (value "true"). */
  flags: Map<string, string>;
  out: NodeJS.WritableStream;
}

export interface Command {
  summary: string;
  usage: string;
  run(ctx: CliContext): Promise<void>;
}
