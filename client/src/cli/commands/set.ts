import type { JsonValue } from "../../api/types.js";
import type { Command } from "../command.js";
import { UsageError } from "../command.js";
import { intFlag, metadataFlag, numberFlag, scopeFlag } from "../flag-values.js";
import { IF_REVISION_FLAG, METADATA_FLAG, SCOPE_FLAG, TTL_FLAG } from "./shared-flags.js";

/**
 * `cache-fabric set <key> <text>` stores a string (a system prompt, typically); `--json <json>` stores
 * any JSON value instead. `-` in either place reads the value from standard input. Prints the stored
 * context, with its revision, as `get` prints it (`-w raw`: the revision alone).
 */
export const command: Command = {
  summary: "store a context (a string, or JSON with --json; - reads stdin)",
  usage: "cache-fabric set <key> (<text> | --json <json>) [--scope S] [--ttl SECONDS] [--metadata k=v,...] [--if-revision N]",
  flags: {
    json: { kind: "string", help: "JSON  store this JSON value instead of text (- reads stdin)" },
    scope: SCOPE_FLAG,
    ttl: TTL_FLAG,
    metadata: METADATA_FLAG,
    "if-revision": IF_REVISION_FLAG,
  },
  async run({ client, args, flags, print }) {
    const [key, text, ...extra] = args;
    if (!key) throw new UsageError("key: is required");
    const json = flags.get("json");
    if (extra.length > 0 || (json !== undefined && text !== undefined)) {
      throw new UsageError("value: give one value: <text>, or --json <json> (quote values with spaces)");
    }
    let value: JsonValue;
    if (json !== undefined) {
      const raw = json === "-" ? await readStdin() : json;
      try {
        value = JSON.parse(raw) as JsonValue;
      } catch (e) {
        throw new UsageError(`--json: is not JSON (${(e as Error).message})`);
      }
    } else if (text !== undefined) {
      value = text === "-" ? await readStdin() : text;
    } else {
      throw new UsageError("value: is required: <text>, or --json <json>");
    }
    const scope = scopeFlag(flags);
    const metadata = metadataFlag(flags);
    const ttl = numberFlag(flags, "ttl", 0);
    const ifRevision = intFlag(flags, "if-revision", 0);
    const context = await client.setContext({ key, value, scope, metadata, ttl, ifRevision });
    print.document(context, String(context.revision));
  },
};

/** Standard input as text (a prompt piped from a file: `cache-fabric set k - < prompt.txt`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}
