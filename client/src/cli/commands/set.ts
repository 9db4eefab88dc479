import { FabricError } from "../../api/errors.js";
import type { JsonValue } from "../../api/types.js";
import type { Command } from "../command.js";
import { checkFlags, intFlag, metadataFlag, numberFlag, scopeFlag } from "../flag-values.js";

/**
 * `cache-fabric set <key> <text>` stores a string (a system prompt, typically); `--json <json>` stores
 * any JSON value instead. `-` in either place reads the value from standard input. Prints the stored
 * context, with its revision, as `get` prints it.
 */
export const command: Command = {
  summary: "store a context (a string, or JSON with --json)",
  usage:
    "cache-fabric set <key> (<text> | --json <json>) [--scope GLOBAL|EXECUTION|FEEDBACK|USER] [--ttl SECONDS] [--metadata k=v,...] [--if-revision N]   (- reads stdin)",
  async run({ client, args, flags, out }) {
    checkFlags(flags, ["scope", "json", "ttl", "metadata", "if-revision"]);
    const [key, text, ...extra] = args;
    if (!key) throw FabricError.invalid("key", "is required");
    const json = flags.get("json");
    if (extra.length > 0 || (json !== undefined && text !== undefined)) {
      throw FabricError.invalid("value", "give one value: <text>, or --json <json> (quote values with spaces)");
    }
    let value: JsonValue;
    if (json !== undefined) {
      const raw = json === "-" ? await readStdin() : json;
      try {
        value = JSON.parse(raw) as JsonValue;
      } catch (e) {
        throw FabricError.invalid("--json", `is not JSON (${(e as Error).message})`);
      }
    } else if (text !== undefined) {
      value = text === "-" ? await readStdin() : text;
    } else {
      throw FabricError.invalid("value", "is required: <text>, or --json <json>");
    }
    const context = await client.setContext({
      key,
      value,
      scope: scopeFlag(flags),
      metadata: metadataFlag(flags),
      ttl: numberFlag(flags, "ttl", 0),
      ifRevision: intFlag(flags, "if-revision", 0),
    });
    out.write(JSON.stringify(context, null, 2) + "\n");
  },
};

/** Standard input as text (a prompt piped from a file: `cache-fabric set k - < prompt.txt`). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks).toString("utf8");
}
