import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FabricError, createPromptCache, type FabricClient } from "@cache-fabric/client";
import { ConfigError } from "../../server/config.js";
import { loadTokenTable, parseTokenDocument } from "../../server/access/tokens.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { eventually } from "../support/harness.js";
import { startOpsServer, type OpsTestServer } from "../support/ops-server.js";

/**
 * The registry behind authentication, wired as server/main.ts wires it (server/access/prompt-policy.ts):
 * reads need read on `prompt:P@*`; publishing needs a `publish` prompt grant or write on
 * `prompt:P@*`; moving or rolling out a label needs a prompt grant naming it, or write on
 * `prompt:P@*` when the label is not protected. Writes are attributed to the token's name.
 */
const SECRET = {
  compiler: "compiler-secret-0123456789",
  agent: "agent-secret-0123456789",
  other: "other-secret-0123456789",
  release: "release-secret-0123456789",
  publisher: "publisher-secret-0123456789",
  tenants: "tenants-secret-0123456789",
};

const DOCUMENT = JSON.stringify({
  protectedLabels: ["production", "prod-*"],
  tokens: [
    { name: "nexus-compiler", token: SECRET.compiler, grants: [{ scope: "GLOBAL", keys: "prompt:router:*", access: "read-write" }] },
    { name: "router-agent", token: SECRET.agent, grants: [{ scope: "GLOBAL", keys: "prompt:router:*", access: "read" }] },
    { name: "other-team", token: SECRET.other, grants: [{ scope: "GLOBAL", keys: "prompt:billing:*", access: "read-write" }] },
    {
      name: "release-manager",
      token: SECRET.release,
      grants: [{ scope: "GLOBAL", keys: "prompt:*", access: "read" }],
      prompts: [{ names: "*", labels: ["production", "prod-*"] }],
    },
    {
      name: "publisher",
      token: SECRET.publisher,
      grants: [{ scope: "GLOBAL", keys: "prompt:*", access: "read" }],
      prompts: [{ names: "router:*", publish: true }],
    },
    { name: "tenant-ops", token: SECRET.tenants, prompts: [{ names: "router:*", labels: "tenant-*" }] },
  ],
});

let t: OpsTestServer;
let compiler: FabricClient;
let agent: FabricClient;
let other: FabricClient;
let release: FabricClient;
let publisher: FabricClient;
let tenants: FabricClient;

beforeAll(async () => {
  t = await startOpsServer(createMemoryStore(), { config: { authTokens: DOCUMENT }, fabric: { prompts: { evaluationIntervalMs: 0 } } });
  compiler = t.client({ token: SECRET.compiler });
  agent = t.client({ token: SECRET.agent });
  other = t.client({ token: SECRET.other });
  release = t.client({ token: SECRET.release });
  publisher = t.client({ token: SECRET.publisher });
  tenants = t.client({ token: SECRET.tenants });
});

afterAll(async () => {
  await t?.stop();
});

const outcome = (p: Promise<unknown>) =>
  p.then(
    () => "OK",
    (e) => (e instanceof FabricError ? (e.code === "PERMISSION_DENIED" ? `${e.code}: ${e.message}` : e.code) : `not a FabricError: ${e}`),
  );
const code = async (p: Promise<unknown>) => (await outcome(p)).split(":")[0];
const history = async (label: string) => (await t.fabric.prompts.labelHistory({ name: "router:main", label })).moves.length;

test("the author and every history actor is the token's name, whatever the caller says", async () => {
  const { version } = await compiler.prompts.publish({ name: "router:main", text: "Route." }, { actor: "someone-else" });
  expect(version.author).toBe("nexus-compiler");
  const { move } = await compiler.prompts.moveLabel({ name: "router:main", label: "staging", version: 1, reason: "release" });
  expect(move!.actor).toBe("nexus-compiler");
  expect((await agent.prompts.labelHistory({ name: "router:main" })).moves.map((m) => m.actor)).toEqual(["nexus-compiler", "nexus-compiler"]);
});

test("reads need read on prompt:{name}@*, writes need write; others are PERMISSION_DENIED and write nothing", async () => {
  expect((await agent.prompts.get({ name: "router:main", label: "staging" }))!.version.version).toBe(1);
  expect(await code(agent.prompts.publish({ name: "router:main", text: "Route better." }))).toBe("PERMISSION_DENIED");
  expect(await code(agent.prompts.moveLabel({ name: "router:main", label: "canary", version: 1, reason: "r" }))).toBe("PERMISSION_DENIED");
  expect(await code(other.prompts.get({ name: "router:main" }))).toBe("PERMISSION_DENIED");
  expect(await code(other.prompts.listVersions({ name: "router:main" }))).toBe("PERMISSION_DENIED");
  expect(await code(other.prompts.publish({ name: "billing:main", text: "Bill." }))).toBe("OK");
  expect((await compiler.prompts.listVersions({ name: "router:main" })).versions.map((v) => v.version)).toEqual([1]);
  // In process (no call, no principal): trusted, attributed to whoever it names.
  expect((await t.fabric.prompts.publish({ name: "router:main", text: "In process." }, { actor: "ops-script" })).version.author).toBe("ops-script");
});

test("a protected label moves only by a prompt grant naming it; a context write grant moves the others", async () => {
  const before = await history("production");
  expect(await outcome(compiler.prompts.moveLabel({ name: "router:main", label: "production", version: 1, reason: "r" }))).toBe(
    'PERMISSION_DENIED: token "nexus-compiler" may not move label "production" of prompt "router:main": the label is protected (needs a prompts grant whose labels name it)',
  );
  expect(await code(compiler.prompts.moveLabel({ name: "router:main", label: "prod-eu", version: 1, reason: "r" }))).toBe("PERMISSION_DENIED");
  expect(await history("production")).toBe(before); // nothing written
  expect(await code(release.prompts.moveLabel({ name: "router:main", label: "production", version: 1, reason: "release 1" }))).toBe("OK");
  expect((await t.fabric.prompts.get({ name: "router:main", label: "production" }))!.label!.updatedBy).toBe("release-manager");
  expect(await code(release.prompts.moveLabel({ name: "billing:main", label: "prod-eu", version: 1, reason: "eu" }))).toBe("OK");
  // The release manager moves protected labels, but publishes nothing and moves no other label.
  expect(await code(release.prompts.publish({ name: "router:main", text: "Mine." }))).toBe("PERMISSION_DENIED");
  expect(await code(release.prompts.moveLabel({ name: "router:main", label: "staging", version: 2, reason: "r" }))).toBe("PERMISSION_DENIED");
  // A compiler with write on the records moves an unprotected label.
  expect(await code(compiler.prompts.moveLabel({ name: "router:main", label: "staging", version: 2, reason: "r" }))).toBe("OK");
});

test("publish and label rights of prompt grants are separate, and limited to the names they match", async () => {
  expect(await code(publisher.prompts.publish({ name: "router:search", text: "Search." }))).toBe("OK");
  expect(await outcome(publisher.prompts.publish({ name: "billing:main", text: "Bill more." }))).toMatch(
    /^PERMISSION_DENIED: token "publisher" may not publish versions of prompt "billing:main" \(needs a prompts grant with publish: true, or write on GLOBAL prompt:billing:main@\*\)$/,
  );
  expect(await code(publisher.prompts.moveLabel({ name: "router:search", label: "staging", version: 1, reason: "r" }))).toBe("PERMISSION_DENIED");
  expect(await code(tenants.prompts.moveLabel({ name: "router:search", label: "tenant-42", version: 1, reason: "tenant" }))).toBe("OK");
  expect(await code(tenants.prompts.moveLabel({ name: "router:search", label: "staging", version: 1, reason: "r" }))).toBe("PERMISSION_DENIED");
  expect(await code(tenants.prompts.moveLabel({ name: "billing:main", label: "tenant-42", version: 1, reason: "r" }))).toBe("PERMISSION_DENIED");
  // A prompt grant gives no read: tenant-ops has no context grant.
  expect(await code(tenants.prompts.get({ name: "router:search", label: "tenant-42" }))).toBe("PERMISSION_DENIED");
  // A malformed name or label is INVALID_ARGUMENT for everyone, before rights are looked at.
  expect(await code(tenants.prompts.moveLabel({ name: "router:search", label: "tenant:42", version: 1, reason: "r" }))).toBe("INVALID_ARGUMENT");
  expect(await code(agent.prompts.get({ name: "router@main" }))).toBe("INVALID_ARGUMENT");
});

test("every rollout action on a protected label needs the label right", async () => {
  await compiler.prompts.publish({ name: "router:main", text: "Route, v3." });
  const steps = [
    { percent: 10, bakeMs: 60_000 },
    { percent: 100, bakeMs: 0 },
  ];
  const start = { name: "router:main", label: "production", toVersion: 3, steps, reason: "try 3" };
  expect(await code(compiler.prompts.startRollout(start))).toBe("PERMISSION_DENIED");
  expect(await code(release.prompts.startRollout(start))).toBe("OK");
  const ref = { name: "router:main", label: "production", reason: "r" };
  for (const action of ["pauseRollout", "resumeRollout", "promoteRollout", "abortRollout"] as const) {
    expect([action, await code(compiler.prompts[action](ref))]).toEqual([action, "PERMISSION_DENIED"]);
  }
  expect((await agent.prompts.rolloutStatus({ name: "router:main", label: "production" }))!.rollout.state).toBe("RUNNING");
  expect(await code(release.prompts.pauseRollout(ref))).toBe("OK");
  expect(await code(release.prompts.abortRollout(ref))).toBe("OK");
  expect((await agent.prompts.rolloutStatus({ name: "router:main", label: "production" }))!.rollout).toMatchObject({
    state: "ABORTED",
    startedBy: "release-manager",
  });
});

test("an agent token with read on the records follows a label with the prompt cache; one without is refused", async () => {
  const cache = createPromptCache(agent, { prompts: ["router:main"], label: "production", stickyKey: "u1" });
  await cache.ready;
  expect(cache.get("router:main")!.version).toBe(1);
  await release.prompts.moveLabel({ name: "router:main", label: "production", version: 3, reason: "release 3" });
  await eventually(() => cache.get("router:main")?.version === 3, "the move to reach the agent");
  await cache.close();

  const denied = createPromptCache(other, { prompts: ["router:main"], label: "production" });
  await expect(denied.ready).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
  await denied.close();
});

describe("the token document's prompt grants", () => {
  const entry = (extra: object) => JSON.stringify([{ name: "x", sha256: "a".repeat(64), ...extra }]);
  test.each([
    ["a grant that grants nothing", entry({ prompts: [{ names: "router:*" }] }), /prompts\[0\]: grants nothing: set publish: true, labels, or both/],
    [
      "an unknown field",
      entry({ prompts: [{ names: "*", publish: true, label: "x" }] }),
      /prompts\[0\]\.label: unknown field \(expected names, publish, labels\)/,
    ],
    ["publish that is not a boolean", entry({ prompts: [{ publish: "yes" }] }), /prompts\[0\]\.publish: must be true or false/],
    ["a bad label glob", entry({ prompts: [{ labels: ["ok", "[x"] }] }), /prompts\[0\]\.labels\[1\]: /],
    ["names as a list", entry({ prompts: [{ names: ["a", "b"], publish: true }] }), /prompts\[0\]\.names: must be one glob string/],
    ["prompts not a list", entry({ prompts: { publish: true } }), /\(x\)\.prompts: must be a list/],
    ["an unknown top-level field", JSON.stringify({ tokens: [], protected: ["production"] }), /protected: unknown field \(expected tokens, protectedLabels\)/],
    ["an empty protected label", JSON.stringify({ tokens: [], protectedLabels: [""] }), /protectedLabels\[0\]: must be a non-empty glob string/],
  ])("refuses %s, naming the entry and field", (_what, doc, message) => {
    expect(() => parseTokenDocument(doc, "tokens.yaml")).toThrow(ConfigError);
    expect(() => parseTokenDocument(doc, "tokens.yaml")).toThrow(message);
  });

  test("YAML as documented; protected labels of the file and the environment are merged for every token", () => {
    const file = [
      "protectedLabels: [production]",
      "tokens:",
      "  - name: release-manager",
      `    sha256: ${"b".repeat(64)}`,
      "    prompts:",
      '      - { names: "*", publish: true, labels: [production, staging] }',
    ].join("\n");
    const [{ principal }] = parseTokenDocument(file, "tokens.yaml");
    expect(principal.promptGrants).toHaveLength(1);
    expect(principal.promptGrants![0]).toMatchObject({ publish: true });
    expect(principal.promptGrants![0].labels.map((g) => g.source)).toEqual(["production", "staging"]);
    const dir = mkdtempSync(join(tmpdir(), "cf-tokens-"));
    try {
      writeFileSync(join(dir, "tokens.yaml"), file);
      const table = loadTokenTable({
        file: join(dir, "tokens.yaml"),
        inline: JSON.stringify({ protectedLabels: ["tenant-*"], tokens: [] }), // protects, adds no token
      });
      expect(table.size).toBe(1);
      expect(table.principals[0].protectedLabels!.map((g) => g.source)).toEqual(["production", "tenant-*"]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
