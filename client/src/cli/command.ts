import type { FabricClient } from "../remote/fabric-client.js";
import type { Printer } from "./output.js";

/**
 * Exit codes, as documented in the README: scripts branch on them (`cache-fabric get k || ...`), so a
 * usage mistake (2) never looks like a server failure (1), and "nothing found" (3) is not an error.
 */
export const EXIT = { ok: 0, error: 1, usage: 2, notFound: 3 } as const;

/** A flag a command takes. A `boolean` flag never consumes the next word (`--all 'user:*'`). */
export interface FlagSpec {
  kind: "string" | "boolean";
  /** One line for `--help`; a string flag's value placeholder comes first: `"N  page size, 1-1000"`. */
  help: string;
}

/**
 * The command line was wrong (unknown flag, malformed value, missing argument): exit 2, nothing sent.
 * Distinct from FabricError, whose codes are the server's answers.
 */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

export interface CliContext {
  client: FabricClient;
  /** Positional arguments after the command name. */
  args: string[];
  /** The flags given, validated against the command's `flags` (booleans as "true"/"false"). */
  flags: Map<string, string>;
  /** Standard output in the format chosen with `-w json|raw`. */
  print: Printer;
  out: NodeJS.WritableStream;
}

/**
 * A command made of subcommands (`cache-fabric prompt publish ...`, `... prompt rollout start ...`):
 * each subcommand is a Command of its own, with its own flags and --help.
 */
export interface CommandGroup {
  summary: string;
  subcommands: Record<string, Command | CommandGroup>;
}

export function isCommandGroup(c: Command | CommandGroup): c is CommandGroup {
  return "subcommands" in c;
}

export interface Command {
  summary: string;
  /** The synopsis, without the connection and output flags every command takes. */
  usage: string;
  flags: Record<string, FlagSpec>;
  /** Resolves with the exit code; nothing (0) when all went well. */
  // biome-ignore lint/suspicious/noConfusingVoidType: a command with no status to report returns nothing
  run(ctx: CliContext): Promise<number | void>;
}
