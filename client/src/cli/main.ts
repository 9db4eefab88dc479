import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { FabricError } from "../api/errors.js";
import type { FabricClient } from "../remote/fabric-client.js";
import { parseArgs } from "./args.js";
import { type Command, type CommandGroup, EXIT, type FlagSpec, isCommandGroup, UsageError } from "./command.js";
import { COMMANDS } from "./commands/index.js";
import { intFlag } from "./flag-values.js";
import { createPrinter, outputFormat, type Printer } from "./output.js";
export type { CliContext, Command, CommandGroup, FlagSpec } from "./command.js";
export { EXIT, UsageError } from "./command.js";
export { parseArgs } from "./args.js";

/** Flags every command takes: where the fabric is, how to reach it, how to print. */
export const COMMON_FLAGS: Record<string, FlagSpec> = {
  address: { kind: "string", help: "HOST:PORT  the fabric (env FABRIC_ADDRESS; default 127.0.0.1:50051)" },
  token: { kind: "string", help: "TOKEN  bearer token (env FABRIC_TOKEN)" },
  "timeout-ms": { kind: "string", help: "MS  deadline of each call (default 30000)" },
  "tls-ca": { kind: "string", help: "FILE  PEM of the CA that signed the server's certificate (alone: TLS)" },
  "tls-cert": { kind: "string", help: "FILE  client certificate, with --tls-key (mutual TLS)" },
  "tls-key": { kind: "string", help: "FILE  client private key" },
  output: { kind: "string", help: "json|raw  (-w) json documents and JSON lines (default), or bare values" },
  help: { kind: "boolean", help: "(-h) this help" },
};

const CONNECTION = ["address", "token", "timeout-ms", "tls-ca", "tls-cert", "tls-key", "output", "help"];

/**
 * `cache-fabric <command> [args] [flags]`: the operator and developer CLI, following etcdctl and
 * redis-cli: every command talks to a running fabric through the same FabricClient agents use;
 * unknown flags are refused; errors are one line on stderr; exit codes are 0 ok, 1 error (the
 * server's answer or no server), 2 usage (nothing was sent), 3 nothing found.
 */
export async function runCli(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const [first, ...afterFirst] = argv;
  if (first === undefined) {
    process.stderr.write(overview());
    return EXIT.usage;
  }
  if (first === "help" || first === "--help" || first === "-h") {
    if (afterFirst.length === 0) return print(out, overview());
    const found = resolveCommand(afterFirst);
    if ("error" in found) return fail("help", `${found.error} (cache-fabric --help lists them)`, EXIT.usage);
    return print(out, isCommandGroup(found.command) ? groupHelp(found.name, found.command) : commandHelp(found.command));
  }
  if (first === "--version" || first === "-v" || first === "version") return print(out, `cache-fabric ${version()}\n`);
  const found = resolveCommand(argv);
  if ("error" in found) return fail("cache-fabric", `${found.error} (cache-fabric --help lists them)`, EXIT.usage, "");
  const { name, rest } = found;
  if (isCommandGroup(found.command)) {
    // `cache-fabric prompt` alone: the group's commands (on stderr, exit 2, as with no command at all); --help on stdout.
    const help = rest[0] === "--help" || rest[0] === "-h";
    if (help) return print(out, groupHelp(name, found.command));
    if (rest.length > 0 && !rest[0].startsWith("-")) return fail(name, `unknown command "${rest[0]}"`, EXIT.usage);
    process.stderr.write(groupHelp(name, found.command));
    return EXIT.usage;
  }
  const command = found.command;

  let client: FabricClient;
  let args: string[];
  let flags: Map<string, string>;
  let printer: Printer;
  try {
    ({ args, flags } = parseArgs(rest, { ...command.flags, ...COMMON_FLAGS }));
    if (flags.get("help") === "true") return print(out, commandHelp(command));
    printer = createPrinter(out, outputFormat(flags.get("output")));
    const timeoutMs = intFlag(flags, "timeout-ms", 1) ?? 30_000;
    const connection = takeCommonFlags(flags);
    // grpc-js and the generated code load only now: --help, --version and usage errors start without them.
    const { FabricClient } = require("../remote/fabric-client.js") as typeof import("../remote/fabric-client.js");
    const { tlsCredentialsFromFiles } = require("../remote/credentials.js") as typeof import("../remote/credentials.js");
    try {
      client = new FabricClient({
        address: connection.address ?? process.env.FABRIC_ADDRESS ?? "127.0.0.1:50051",
        token: connection.token ?? process.env.FABRIC_TOKEN,
        timeoutMs,
        ...(connection["tls-ca"] || connection["tls-cert"] || connection["tls-key"]
          ? { credentials: tlsCredentialsFromFiles({ ca: connection["tls-ca"], cert: connection["tls-cert"], key: connection["tls-key"] }) }
          : {}),
      });
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
  } catch (e) {
    if (e instanceof UsageError) return fail(name, e.message, EXIT.usage);
    throw e;
  }
  try {
    return (await command.run({ client, args, flags, out, print: printer })) ?? EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) return fail(name, e.message, EXIT.usage);
    const err = FabricError.from(e);
    return fail(name, `${err.code}: ${err.message}`, EXIT.error);
  } finally {
    await client.close();
  }
}

/** One line on stderr, never the usage text (a script's log stays readable); `--help` is one flag away. */
function fail(name: string, message: string, code: number, prefix = "cache-fabric "): number {
  const hint = code === EXIT.usage && name !== "cache-fabric" && name !== "help" ? ` (cache-fabric ${name} --help)` : "";
  process.stderr.write(`${prefix}${name}: ${message.replace(/\s*\n\s*/g, " ")}${hint}\n`);
  return code;
}

function print(out: NodeJS.WritableStream, text: string): number {
  out.write(text);
  return EXIT.ok;
}

function takeCommonFlags(flags: Map<string, string>): Partial<Record<string, string>> {
  const taken: Partial<Record<string, string>> = {};
  for (const f of CONNECTION) {
    taken[f] = flags.get(f);
    flags.delete(f);
  }
  return taken;
}

/**
 * The command `argv` names, following groups as far as their subcommands go: `prompt rollout
 * start ...` is the command `prompt rollout start` with the rest as its arguments. Stops at a group
 * when the next word is not one of its subcommands (a flag, or nothing), leaving the caller to
 * show the group; an unknown first word is an error.
 */
function resolveCommand(argv: readonly string[]): { name: string; command: Command | CommandGroup; rest: string[] } | { error: string } {
  const [first, ...rest] = argv;
  if (!Object.hasOwn(COMMANDS, first)) return { error: `unknown command "${first}"` };
  let command: Command | CommandGroup = COMMANDS[first];
  let name = first;
  while (isCommandGroup(command) && rest.length > 0 && Object.hasOwn(command.subcommands, rest[0])) {
    const sub = rest.shift()!;
    command = command.subcommands[sub];
    name = `${name} ${sub}`;
  }
  return { name, command, rest };
}

function overview(): string {
  const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return (
    "usage: cache-fabric <command> [args] [flags]\n\n" +
    `commands:\n${lines.join("\n")}\n\n` +
    `flags of every command:\n${flagLines(COMMON_FLAGS)}\n\n` +
    "cache-fabric <command> --help shows a command's flags; cache-fabric --version its version.\n" +
    "exit codes: 0 ok, 1 error, 2 usage, 3 nothing found\n"
  );
}

function groupHelp(name: string, group: CommandGroup): string {
  const lines = Object.entries(group.subcommands).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `usage: cache-fabric ${name} <command> [args] [flags]\n\n${group.summary}\n\ncommands:\n${lines.join("\n")}\n\ncache-fabric ${name} <command> --help shows a command's flags.\n`;
}

function commandHelp(command: Command): string {
  const own = Object.keys(command.flags).length ? `\n\nflags:\n${flagLines(command.flags)}` : "";
  return `usage: ${command.usage}\n\n${command.summary}${own}\n\nflags of every command:\n${flagLines(COMMON_FLAGS)}\n`;
}

function flagLines(specs: Record<string, FlagSpec>): string {
  return Object.entries(specs)
    .map(([flag, spec]) => {
      const [value, ...text] = spec.kind === "string" ? spec.help.split("  ") : ["", spec.help];
      return `  ${`--${flag}${value ? ` ${value}` : ""}`.padEnd(26)} ${text.join("  ")}`;
    })
    .join("\n");
}

/** This package's version, from its package.json (found upward: the source and the build sit at different depths). */
export function version(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const file = join(dir, "package.json");
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, "utf8")) as { name?: string; version?: string };
      if (pkg.name === "@cache-fabric/client" && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return "unknown";
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
