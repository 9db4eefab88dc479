import { tlsCredentialsFromFiles } from "../remote/credentials.js";
import { FabricClient } from "../remote/fabric-client.js";
import { FabricError } from "../api/errors.js";
import { COMMANDS } from "./commands/index.js";
export type { CliContext, Command } from "./command.js";

/**
 * `cache-fabric <command> [args] [--flags]`: the operator and developer CLI. Every command talks to a
 * running fabric over gRPC, through the same FabricClient agents use. Connection flags:
 * `--address` (env FABRIC_ADDRESS, default 127.0.0.1:50051), `--token` (env FABRIC_TOKEN),
 * `--timeout-ms` (default 30000), and for TLS `--tls-ca` (PEM of the CA that signed the server's
 * certificate; alone: TLS) with `--tls-cert` and `--tls-key` (mutual TLS). Connection flags are
 * taken out before the command sees its flags.
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
    process.stderr.write(`usage: cache-fabric <command> [args] [--address host:port] [--token T] [--tls-ca ca.pem [--tls-cert cert.pem --tls-key key.pem]]\n\n${lines.join("\n")}\n`);
    return name && name !== "help" && name !== "--help" ? 2 : 0;
  }
  const { args, flags } = parseArgs(rest);
  const command = COMMANDS[name];
  const connection = takeConnectionFlags(flags);
  let client: FabricClient;
  try {
    client = new FabricClient({
      address: connection.address ?? process.env.FABRIC_ADDRESS ?? "127.0.0.1:50051",
      token: connection.token ?? process.env.FABRIC_TOKEN,
      timeoutMs: Number(connection["timeout-ms"] ?? 30_000),
      ...(connection["tls-ca"] || connection["tls-cert"] || connection["tls-key"]
        ? { credentials: tlsCredentialsFromFiles({ ca: connection["tls-ca"], cert: connection["tls-cert"], key: connection["tls-key"] }) }
        : {}),
    });
  } catch (e) {
    process.stderr.write(`cache-fabric ${name}: ${(e as Error).message}\n`);
    return 2;
  }
  try {
    await command.run({ client, args, flags, out });
    // A command reports "nothing found" by setting process.exitCode (3); the bin exits with what we return.
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (e) {
    const err = FabricError.from(e);
    process.stderr.write(`cache-fabric ${name}: ${err.code}: ${err.message}\nusage: ${command.usage}\n`);
    return 1;
  } finally {
    await client.close();
  }
}

const CONNECTION_FLAGS = ["address", "token", "timeout-ms", "tls-ca", "tls-cert", "tls-key"] as const;

function takeConnectionFlags(flags: Map<string, string>): Partial<Record<(typeof CONNECTION_FLAGS)[number], string>> {
  const taken: Partial<Record<(typeof CONNECTION_FLAGS)[number], string>> = {};
  for (const f of CONNECTION_FLAGS) {
    const v = flags.get(f);
    if (v !== undefined) taken[f] = v;
    flags.delete(f);
  }
  return taken;
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then((code) => process.exit(code));
}
