import { FabricClient } from "../fabric-client.js";
import { FabricError } from "../errors.js";
import { COMMANDS } from "./commands/index.js";
export type { CliContext, Command } from "./command.js";

/**
 * `cache-fabric <command> [args] [--flags]`: the operator and developer CLI. Every command talks to a
 * running fabric over gRPC, through the same FabricClient agents use. Connection flags:
 * `--address` (env FABRIC_ADDRESS, default 127.0.0.1:50051), `--token` (env FABRIC_TOKEN),
 * `--timeout-ms` (default 30000).
 */
export function parseArgs(argv: readonly string[]): { args: string[]; flags: Map<string, string> } {
  const args: string[] = [];
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      if (eq > 0) flags.set(a.slice(2, eq), a.slice(eq + 1));
      else if (i + 1 < argv.length && !argv[i + 1].startsWith("--")) flags.set(a.slice(2), argv[++i]);
      else flags.set(a.slice(2), "true");
    } else args.push(a);
  }
  return { args, flags };
}

export async function runCli(argv: readonly string[], out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === "help" || name === "--help" || !COMMANDS[name]) {
    const lines = Object.entries(COMMANDS).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
    process.stderr.write(`usage: cache-fabric <command> [args] [--address host:port] [--token T]\n\n${lines.join("\n")}\n`);
    return name && name !== "help" && name !== "--help" ? 2 : 0;
  }
  const { args, flags } = parseArgs(rest);
  const command = COMMANDS[name];
  const client = new FabricClient({
    address: flags.get("address") ?? process.env.FABRIC_ADDRESS ?? "127.0.0.1:50051",
    token: flags.get("token") ?? process.env.FABRIC_TOKEN,
    timeoutMs: Number(flags.get("timeout-ms") ?? 30_000),
  });
  try {
    await command.run({ client, args, flags, out });
    return 0;
  } catch (e) {
    const err = FabricError.from(e);
    process.stderr.write(`cache-fabric ${name}: ${err.code}: ${err.message}\nusage: ${command.usage}\n`);
    return 1;
  } finally {
    await client.close();
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
