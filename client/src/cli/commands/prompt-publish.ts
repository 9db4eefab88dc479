import type { ChatMessage, PublishPromptInput } from "../../api/prompts.js";
import type { JsonValue } from "../../api/types.js";
import type { Command } from "../command.js";
import { UsageError } from "../command.js";
import { jsonFlag, listFlag } from "./prompt-shared.js";
import { readStdin } from "./set.js";

type JsonObject = { [key: string]: JsonValue };

/**
 * `cache-fabric prompt publish <name> <text>` publishes a text prompt (`-` reads it from standard
 * input: `prompt publish router:main - < prompt.txt`); `--messages <json>` a chat prompt instead.
 * Prints `{ version, created }` (`-w raw`: the version number). Identical content publishes
 * nothing and prints the existing version with `created: false`.
 */
export const command: Command = {
  summary: "publish a new version (text, or chat --messages JSON; - reads stdin)",
  usage:
    "cache-fabric prompt publish <name> (<text> | --messages <json>) [--config <json>] [--variables a,b] [--message M] [--tags a,b] [--config-schema <json>]",
  flags: {
    messages: { kind: "string", help: 'JSON  chat messages, [{"role":"system","content":"..."}] (- reads stdin)' },
    config: { kind: "string", help: "JSON  the config object: model, temperature, tools, ..." },
    variables: { kind: "string", help: "A,B  declared variables: must be exactly the template's {{variables}}" },
    message: { kind: "string", help: "TEXT  commit message" },
    tags: { kind: "string", help: "A,B  tags" },
    "config-schema": { kind: "string", help: "JSON  a JSON Schema the config must satisfy" },
  },
  async run({ client, args, flags, print }) {
    const [name, text, ...extra] = args;
    if (!name) throw new UsageError("name: is required");
    const messagesRaw = flags.get("messages");
    if (extra.length > 0 || (messagesRaw !== undefined && text !== undefined)) {
      throw new UsageError("template: give one template: <text>, or --messages <json> (quote text with spaces)");
    }
    let template: { text: string } | { messages: ChatMessage[] };
    if (messagesRaw !== undefined) {
      const raw = messagesRaw === "-" ? await readStdin() : messagesRaw;
      try {
        template = { messages: JSON.parse(raw) as ChatMessage[] };
      } catch (e) {
        throw new UsageError(`--messages: is not JSON (${(e as Error).message})`);
      }
    } else if (text !== undefined) {
      template = { text: text === "-" ? await readStdin() : text };
    } else {
      throw new UsageError("template: is required: <text>, or --messages <json>");
    }
    const config = jsonFlag<JsonObject>(flags, "config");
    const configSchema = jsonFlag<JsonObject>(flags, "config-schema");
    const variables = listFlag(flags, "variables");
    const tags = listFlag(flags, "tags");
    const commitMessage = flags.get("message");
    const input: PublishPromptInput = {
      name,
      ...template,
      ...(config !== undefined ? { config } : {}),
      ...(configSchema !== undefined ? { configSchema } : {}),
      ...(variables ? { variables } : {}),
      ...(tags ? { tags } : {}),
      ...(commitMessage !== undefined ? { commitMessage } : {}),
    };
    const result = await client.prompts.publish(input);
    print.document(result, String(result.version.version));
  },
};
