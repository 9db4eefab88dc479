import { FabricError, type FabricClient } from "@cache-fabric/client";
import { createMemoryStore } from "../../server/store/memory.js";
import { startOpsServer, tokenDocument, type OpsTestServer } from "../support/ops-server.js";

/**
 * The registry behind authentication, wired as server/main.ts wires it: until the registry has its
 * own grants, a call on prompt P is authorised as the contexts `prompt:P@*` it touches, and writes
 * are attributed to the token's name.
 */
const SECRET = {
  compiler: "compiler-secret-0123456789",
  agent: "agent-secret-0123456789",
  other: "other-secret-0123456789",
};

let t: OpsTestServer;
let compiler: FabricClient;
let agent: FabricClient;
let other: FabricClient;

beforeAll(async () => {
  t = await startOpsServer(createMemoryStore(), {
    config: {
      authTokens: tokenDocument([
        { name: "nexus-compiler", token: SECRET.compiler, grants: [{ scope: "GLOBAL", keys: "prompt:router:*", access: "read-write" }] },
        { name: "router-agent", token: SECRET.agent, grants: [{ scope: "GLOBAL", keys: "prompt:router:*", access: "read" }] },
        { name: "other-team", token: SECRET.other, grants: [{ scope: "GLOBAL", keys: "prompt:billing:*", access: "read-write" }] },
      ]),
    },
    fabric: { prompts: { evaluationIntervalMs: 0 } },
  });
  compiler = t.client({ token: SECRET.compiler });
  agent = t.client({ token: SECRET.agent });
  other = t.client({ token: SECRET.other });
});

afterAll(async () => {
  await t?.stop();
});

const code = (p: Promise<unknown>) =>
  p.then(
    () => "OK",
    (e) => (e instanceof FabricError ? e.code : `not a FabricError: ${e}`),
  );

test("the author and every history actor is the token's name, whatever the caller says", async () => {
  const { version } = await compiler.prompts.publish({ name: "router:main", text: "Route." }, { actor: "someone-else" });
  expect(version.author).toBe("nexus-compiler");
  const { move } = await compiler.prompts.moveLabel({ name: "router:main", label: "production", version: 1, reason: "release" });
  expect(move!.actor).toBe("nexus-compiler");
  expect((await agent.prompts.labelHistory({ name: "router:main" })).moves.map((m) => m.actor)).toEqual(["nexus-compiler", "nexus-compiler"]);
});

test("reads need read on prompt:{name}@*, writes need write; others are PERMISSION_DENIED and write nothing", async () => {
  expect((await agent.prompts.get({ name: "router:main", label: "production" }))!.version.version).toBe(1);
  expect(await code(agent.prompts.publish({ name: "router:main", text: "Route better." }))).toBe("PERMISSION_DENIED");
  expect(await code(agent.prompts.moveLabel({ name: "router:main", label: "staging", version: 1, reason: "r" }))).toBe("PERMISSION_DENIED");
  expect(await code(other.prompts.get({ name: "router:main" }))).toBe("PERMISSION_DENIED");
  expect(await code(other.prompts.listVersions({ name: "router:main" }))).toBe("PERMISSION_DENIED");
  expect(await code(other.prompts.publish({ name: "billing:main", text: "Bill." }))).toBe("OK");
  expect((await compiler.prompts.listVersions({ name: "router:main" })).versions.map((v) => v.version)).toEqual([1]);
  // In process (no call, no principal): trusted, attributed to whoever it names.
  expect((await t.fabric.prompts.publish({ name: "router:main", text: "In process." }, { actor: "ops-script" })).version.author).toBe("ops-script");
});
