/**
 * Runs one example against a live fabric: `npx tsx examples/run.ts quick-start`
 * (FABRIC_ADDRESS, default 127.0.0.1:50051; FABRIC_TOKEN when the server requires one).
 */
import { FabricClient } from "@cache-fabric/client";
import * as cleanup from "./cleanup.js";
import * as errorHandling from "./error-handling.js";
import * as monitoring from "./monitoring.js";
import * as multiUser from "./multi-user.js";
import * as pipeline from "./pipeline.js";
import * as quickStart from "./quick-start.js";
import * as scopes from "./scopes.js";
import * as systemPromptCaching from "./system-prompt-caching.js";
import * as ttl from "./ttl.js";

export const EXAMPLES: Record<string, { run: (fabric: FabricClient) => Promise<unknown> }> = {
  "quick-start": quickStart,
  scopes,
  "system-prompt-caching": systemPromptCaching,
  "multi-user": multiUser,
  ttl,
  monitoring,
  "error-handling": errorHandling,
  pipeline,
  cleanup,
};

if (require.main === module) {
  const name = process.argv[2];
  const example = name ? EXAMPLES[name] : undefined;
  if (!example) {
    console.error(`usage: npx tsx examples/run.ts <${Object.keys(EXAMPLES).join("|")}>`);
    process.exit(2);
  }
  const fabric = new FabricClient({ address: process.env.FABRIC_ADDRESS, token: process.env.FABRIC_TOKEN });
  example
    .run(fabric)
    .then((result) => console.log(JSON.stringify(result, null, 2)))
    .catch((e) => {
      console.error(String(e));
      process.exitCode = 1;
    })
    .finally(() => fabric.close());
}
