// Writes one context through the TypeScript client, for the Python tests' cross-language checks
// (clients/python/tests): `tsx test/python/typescript-writer.ts <address> <key> <json value> [scope]`.
// Prints the stored context as JSON.
import { FabricClient, type Scope } from "@cache-fabric/client";

async function main(): Promise<void> {
  const [address, key, json, scope] = process.argv.slice(2);
  if (!address || !key || json === undefined) throw new Error("usage: typescript-writer.ts <address> <key> <json value> [scope]");
  const fabric = new FabricClient({ address });
  try {
    const context = await fabric.setContext({ key, value: JSON.parse(json), scope: (scope ?? "GLOBAL") as Scope });
    process.stdout.write(JSON.stringify(context) + "\n");
  } finally {
    await fabric.close();
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${String(e)}\n`);
  process.exit(1);
});
