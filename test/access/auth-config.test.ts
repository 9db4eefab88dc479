import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FabricClient, FabricError } from "@cache-fabric/client";
import { ConfigError } from "../../server/config.js";
import { createFabric } from "../../server/fabric.js";
import { authorizeFabric } from "../../server/access/authorize-fabric.js";
import { decideAuth, isLoopback } from "../../server/operations.js";
import { covers, type Principal } from "../../server/access/policy.js";
import { hashToken, loadTokenTable, parseTokenDocument } from "../../server/access/tokens.js";
import { startFabricServer } from "../../server/server.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { startOpsServer } from "../support/ops-server.js";

/** Token documents, the authentication default, and policy coverage: the configuration side of auth. */

describe("token documents", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "cf-tokens-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("YAML file with hashed and plain tokens, grants, USER binding and a rate limit", () => {
    const file = join(dir, "tokens.yaml");
    writeFileSync(
      file,
      [
        "tokens:",
        "  - name: nexus",
        `    sha256: ${hashToken("nexus-token-0123456789").toUpperCase()}`,
        "    grants:",
        "      - { scope: GLOBAL, keys: 'router:*', access: read-write }",
        "  - name: alice-agent",
        "    token: alice-token-0123456789",
        "    user: alice",
        "    grants:",
        "      - { scope: [USER, GLOBAL], access: read }",
        "    rateLimit: { rps: 20, burst: 40 }",
      ].join("\n"),
    );
    const table = loadTokenTable({ file });
    expect(table.size).toBe(2);
    expect(table.lookup("nexus-token-0123456789")?.name).toBe("nexus");
    const alice = table.lookup("alice-token-0123456789")!;
    expect(alice).toMatchObject({ name: "alice-agent", user: "alice", rateLimit: { rps: 20, burst: 40 } });
    expect(alice.grants.map((g) => g.scope)).toEqual(["USER", "GLOBAL"]);
    expect(table.lookup("alice-token-012345678")).toBeUndefined();
    expect(table.lookup("")).toBeUndefined();
  });

  test("the file and the environment document are merged; names and secrets must be unique across both", () => {
    const file = join(dir, "a.json");
    writeFileSync(file, JSON.stringify([{ name: "a", token: "a-token-0123456789abc", grants: [] }]));
    expect(loadTokenTable({ file, inline: JSON.stringify([{ name: "b", token: "b-token-0123456789abc" }]) }).size).toBe(2);
    expect(() => loadTokenTable({ file, inline: JSON.stringify([{ name: "a", token: "c-token-0123456789abc" }]) })).toThrow(/name "a" is used twice/);
    expect(() => loadTokenTable({ file, inline: JSON.stringify([{ name: "c", token: "a-token-0123456789abc" }]) })).toThrow(/same secret/);
  });

  test.each([
    ["not a list", "{ foo: 1 }", /expected a list of tokens/],
    ["missing secret", "[{ name: x }]", /needs sha256 \(recommended\) or token/],
    ["short plain token", "[{ name: x, token: short }]", /at least 16 characters/],
    ["bad hash", "[{ name: x, sha256: abc }]", /64 hex digits/],
    ["both", `[{ name: x, sha256: ${"a".repeat(64)}, token: long-enough-token-123 }]`, /not both/],
    ["unknown field", `[{ name: x, sha256: ${"a".repeat(64)}, role: admin }]`, /role: unknown field/],
    ["bad scope", `[{ name: x, sha256: ${"a".repeat(64)}, grants: [{ scope: USERS, access: read }] }]`, /grants\[0\]\.scope: must be/],
    ["bad access", `[{ name: x, sha256: ${"a".repeat(64)}, grants: [{ scope: USER, access: all }] }]`, /access: must be read, write or read-write/],
    ["bad glob", `[{ name: x, sha256: ${"a".repeat(64)}, grants: [{ scope: USER, keys: "[abc", access: read }] }]`, /grants\[0\]\.keys: has an unclosed/],
    ["user id with a colon", `[{ name: x, sha256: ${"a".repeat(64)}, user: "a:b" }]`, /user: 1\.\.128 key characters other than ':'/],
    ["bad rate", `[{ name: x, sha256: ${"a".repeat(64)}, rateLimit: { rps: -1 } }]`, /rateLimit\.rps/],
  ])("refuses %s, naming the entry and field", (_what, doc, message) => {
    expect(() => parseTokenDocument(doc, "tokens.yaml")).toThrow(ConfigError);
    expect(() => parseTokenDocument(doc, "tokens.yaml")).toThrow(message);
  });

  test("an unreadable file stops the server with the setting's name", () => {
    expect(() => loadTokenTable({ file: join(dir, "missing.yaml") })).toThrow(/FABRIC_AUTH_TOKENS_FILE: cannot read/);
  });
});

describe("the authentication default", () => {
  const none = loadTokenTable({});
  const some = loadTokenTable({ inline: JSON.stringify([{ name: "a", token: "a-token-0123456789abc" }]) });

  test("auto: on with tokens; off on loopback without (local development); refuses to start elsewhere", () => {
    expect(decideAuth("auto", some, "0.0.0.0:50051")).toEqual({ enabled: true });
    expect(decideAuth("auto", none, "127.0.0.1:50051")).toEqual({ enabled: false, reason: "loopback-default" });
    expect(() => decideAuth("auto", none, "0.0.0.0:50051")).toThrow(/refusing to serve 0\.0\.0\.0:50051 without authentication/);
    expect(() => decideAuth("auto", none, "[::]:50051")).toThrow(ConfigError);
    expect(() => decideAuth("auto", none, "10.1.2.3:50051")).toThrow(ConfigError);
  });

  test("on needs tokens; off is honoured anywhere (and warned about at start)", () => {
    expect(() => decideAuth("on", none, "127.0.0.1:50051")).toThrow(/FABRIC_AUTH=on: no tokens configured/);
    expect(decideAuth("off", some, "0.0.0.0:50051")).toEqual({ enabled: false, reason: "explicit" });
  });

  test.each([
    ["127.0.0.1:50051", true],
    ["127.1.2.3:1", true],
    ["localhost:50051", true],
    ["[::1]:50051", true],
    ["unix:/tmp/fabric.sock", true],
    ["0.0.0.0:50051", false],
    ["[::]:50051", false],
    [":50051", false],
    ["fabric.internal:50051", false],
    ["127.0.0.1.evil.com:50051", false],
  ])("isLoopback(%s) = %s", (listen, expected) => {
    expect(isLoopback(listen)).toBe(expected);
  });
});

describe("policy coverage (bulk operations need a grant covering every key they touch)", () => {
  const principal = (grants: [string, string][], user?: string): Principal => {
    const [{ principal: p }] = parseTokenDocument(
      JSON.stringify([{ name: "p", token: "p-token-0123456789abc", user, grants: grants.map(([scope, keys]) => ({ scope, keys, access: "read-write" })) }]),
      "test",
    );
    return p;
  };

  test.each([
    [[["*", "*"]], "GLOBAL", "*", true],
    [[["GLOBAL", "router:*"]], "GLOBAL", "router:main:*", true],
    [[["GLOBAL", "router:*"]], "GLOBAL", "router:*", true],
    [[["GLOBAL", "router:*"]], "GLOBAL", "rout*", false],
    [[["GLOBAL", "router:*"]], "GLOBAL", "*", false],
    [[["GLOBAL", "router:*"]], "USER", "router:*", false],
    [[["GLOBAL", "router:?"]], "GLOBAL", "router:a", true],
    [[["GLOBAL", "router:?"]], "GLOBAL", "router:*", false],
    [[["GLOBAL", "a*"], ["GLOBAL", "b*"]], "GLOBAL", "[ab]*", false],
  ] as [[string, string][], "GLOBAL" | "USER", string, boolean][])("grants %j cover %s %s: %s", (grants, scope, pattern, expected) => {
    expect(covers(principal(grants), "write", scope, pattern)).toBe(expected);
  });

  test("a USER binding confines coverage to user:{id}:", () => {
    const alice = principal([["USER", "*"]], "alice");
    expect(covers(alice, "write", "USER", "user:alice:*")).toBe(true);
    expect(covers(alice, "write", "USER", "user:alice:prefs")).toBe(true);
    expect(covers(alice, "write", "USER", "user:*")).toBe(false);
    expect(covers(alice, "write", "USER", "user:alice*")).toBe(false);
  });
});

describe("the authorising fabric", () => {
  test("in process (no gRPC call) it passes straight through", async () => {
    const inner = createFabric({ store: createMemoryStore() });
    const wrapped = authorizeFabric(inner);
    await wrapped.setContext({ key: "user:bob:x", scope: "USER", value: 1 });
    expect((await wrapped.query({ scope: "USER" })).contexts).toHaveLength(1);
    await wrapped.close();
  });

  test("served without the authentication interceptor, it fails closed: every call UNAUTHENTICATED", async () => {
    const inner = createFabric({ store: createMemoryStore() });
    const server = await startFabricServer({ fabric: authorizeFabric(inner), listen: "127.0.0.1:0" });
    const client = new FabricClient({ address: server.address });
    const err = await client.stats().catch((e) => e);
    expect(FabricError.is(err, "UNAUTHENTICATED")).toBe(true);
    expect(await client.getContext({ key: "k" }).catch((e) => e.code)).toBe("UNAUTHENTICATED");
    await client.close();
    await server.shutdown(1000);
    await inner.close();
  });

  test("an injected principal: a delete's previous context is withheld from a write-only caller", async () => {
    const inner = createFabric({ store: createMemoryStore() });
    await inner.setContext({ key: "drop:1", value: "secret value" });
    const [{ principal: writer }] = parseTokenDocument(JSON.stringify([{ name: "w", token: "w-token-0123456789abc", grants: [{ scope: "GLOBAL", access: "write" }] }]), "test");
    const wrapped = authorizeFabric(inner, { principal: () => writer });
    const result = await wrapped.deleteContext({ key: "drop:1" });
    expect(result).toEqual({ deleted: true, revision: 2, storeId: expect.any(String) });
    await expect(wrapped.getContext({ key: "drop:1" })).rejects.toMatchObject({ code: "PERMISSION_DENIED" });
    await inner.close();
  });
});

describe("token rotation (SIGHUP reloads the sources)", () => {
  test("a new token works at once, a removed one is refused; a broken document keeps the old table", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cf-rotate-"));
    const file = join(dir, "tokens.json");
    const doc = (name: string, token: string) => JSON.stringify([{ name, token, grants: [{ scope: "*", access: "read" }] }]);
    writeFileSync(file, doc("old", "old-token-0123456789abc"));
    const t = await startOpsServer(createMemoryStore(), { config: { authTokensFile: file } });
    const old = t.client({ token: "old-token-0123456789abc" });
    const fresh = t.client({ token: "new-token-0123456789abc" });
    expect(await old.stats().then(() => "OK")).toBe("OK");
    writeFileSync(file, doc("new", "new-token-0123456789abc"));
    expect(t.ops.reloadTokens()).toBe(1);
    expect(await fresh.stats().then(() => "OK")).toBe("OK");
    expect(await old.stats().catch((e) => e.code)).toBe("UNAUTHENTICATED");
    writeFileSync(file, "[]");
    expect(() => t.ops.reloadTokens()).toThrow(/left no tokens/);
    writeFileSync(file, "{ not: [valid");
    expect(() => t.ops.reloadTokens()).toThrow(ConfigError);
    expect(await fresh.stats().then(() => "OK")).toBe("OK");
    await t.stop();
    rmSync(dir, { recursive: true, force: true });
  });
});
