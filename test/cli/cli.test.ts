import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { runCli } from "@cache-fabric/client/cli";
import clientPackage from "../../client/package.json";
import { COMMANDS } from "../../client/src/cli/commands/index.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { createTestPki, type TestPki } from "../support/certs.js";
import { testSearch } from "../support/hash-embedder.js";
import { startOpsServer, tokenDocument, type OpsTestServer } from "../support/ops-server.js";

/** The CLI (`npx cache-fabric ...`) against a real server over loopback gRPC, in process. */

const TOKEN = "cli-admin-token-0123456789";
let t: OpsTestServer;
let dir: string;
let stderr: string;

beforeAll(async () => {
  t = await startOpsServer(createMemoryStore(), {
    config: { authTokens: tokenDocument([{ name: "cli", token: TOKEN, grants: [{ scope: "*", access: "read-write" }] }]) },
    fabric: { search: await testSearch() },
  });
  dir = mkdtempSync(join(tmpdir(), "cf-cli-"));
});
afterAll(async () => {
  await t?.stop();
  rmSync(dir, { recursive: true, force: true });
});
beforeEach(() => {
  stderr = "";
  jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr += String(chunk);
    return true;
  });
});
afterEach(() => {
  jest.restoreAllMocks();
  process.exitCode = undefined;
});

/** A stdout that hands each write to `take` (accumulated). */
function sinkTo(take: (all: string) => void): Writable {
  let all = "";
  return new Writable({
    write(chunk, _e, done) {
      all += String(chunk);
      take(all);
      done();
    },
  });
}

/** Runs the CLI against the test server; returns its exit code and standard output. */
async function cli(...argv: string[]): Promise<{ code: number; out: string; lines: unknown[] }> {
  let out = "";
  const sink = new Writable({
    write(chunk, _e, done) {
      out += String(chunk);
      done();
    },
  });
  const code = await runCli([...argv, "--address", t.address, "--token", TOKEN], sink);
  process.exitCode = undefined;
  const lines =
    out.trim() && !out.trimStart().startsWith("{\n")
      ? out
          .trim()
          .split("\n")
          .flatMap((l) => (l.startsWith("{") ? [JSON.parse(l)] : []))
      : [];
  return { code, out, lines };
}

test("set a prompt, get it back, delete it (exit 3 when there is nothing to delete)", async () => {
  const set = await cli("set", "router:main:system_message", "You are a helpful assistant", "--metadata", "version=2,owner=nexus");
  expect(set.code).toBe(0);
  expect(JSON.parse(set.out)).toMatchObject({
    key: "router:main:system_message",
    value: "You are a helpful assistant",
    metadata: { version: "2", owner: "nexus" },
    revision: 1,
  });
  expect(JSON.parse((await cli("get", "router:main:system_message")).out).value).toBe("You are a helpful assistant");
  expect((await cli("delete", "router:main:system_message")).out).toBe('{"deleted":true,"revision":2}\n');
  expect((await cli("delete", "router:main:system_message")).code).toBe(3);
});

test("set --json stores JSON; bad JSON, unknown flags and bad scopes are usage errors: exit 2, one line naming them, nothing sent", async () => {
  const set = await cli("set", "user:alice:prefs", "--json", '{"theme":"dark","n":[1,2]}', "--scope", "user", "--ttl", "3600");
  expect(JSON.parse(set.out)).toMatchObject({ scope: "USER", value: { theme: "dark", n: [1, 2] } });
  expect(JSON.parse(set.out).expiresAt).toBeDefined();
  const before = (await t.fabric.stats()).revision;
  for (const [argv, message] of [
    [["set", "k", "--json", "{nope"], /^cache-fabric set: --json: is not JSON/],
    [["set", "k", "v", "--colour", "red"], /^cache-fabric set: --colour: unknown flag/],
    [["get", "k", "--scpoe", "USER"], /^cache-fabric get: --scpoe: unknown flag \(did you mean --scope\?\)/],
    [["query", "--scope", "nowhere"], /^cache-fabric query: --scope: must be one of GLOBAL, EXECUTION, FEEDBACK, USER/],
    [["query", "--limit"], /^cache-fabric query: --limit: needs a value/],
    [["query", "--limit", "0"], /^cache-fabric query: --limit: must be an integer from 1 to 1000/],
    [["get"], /^cache-fabric get: key: is required/],
    [["get", "a", "b"], /^cache-fabric get: unexpected argument "b"/],
    [["delete", "k", "-x"], /^cache-fabric delete: -x: unknown flag/],
    [["stats", "--all"], /^cache-fabric stats: --all: unknown flag/],
    [["get", "k", "-w", "yaml"], /^cache-fabric get: --output: must be json or raw/],
    [["watch", "--key", "a", "--prefix", "b"], /^cache-fabric watch: --prefix: give at most one of --key, --prefix, --pattern/],
  ] as const) {
    stderr = "";
    const res = await cli(...argv);
    expect({ argv, code: res.code, out: res.out }).toEqual({ argv, code: 2, out: "" });
    expect(stderr).toMatch(message);
    // One line, no usage text: the log of a script stays readable.
    expect(stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(stderr).not.toMatch(/usage:/);
  }
  expect((await t.fabric.stats()).revision).toBe(before);
});

test("scopes in any case, everywhere", async () => {
  await cli("set", "user:dora:note", "hello", "--scope", "User");
  expect(JSON.parse((await cli("get", "user:dora:note", "--scope", "user")).out)).toMatchObject({ scope: "USER", value: "hello" });
  expect((await cli("query", "user:dora:*", "--scope", "uSeR")).lines).toHaveLength(1);
  expect((await cli("delete", "user:dora:note", "--scope", "user")).code).toBe(0);
  expect((await cli("get", "user:dora:note", "--scope", "USER")).code).toBe(3);
});

test("-w raw prints bare values for shell pipes; --output json is the default", async () => {
  const set = await cli("set", "raw:prompt", "You are terse", "-w", "raw");
  expect(set.out).toMatch(/^\d+\n$/);
  expect((await cli("get", "raw:prompt", "--output", "raw")).out).toBe("You are terse\n");
  await cli("set", "raw:json", "--json", '{"a":[1,2]}');
  expect((await cli("get", "raw:json", "-w", "raw")).out).toBe('{"a":[1,2]}\n');
  expect((await cli("query", "raw:*", "-w", "raw")).out).toBe("raw:json\nraw:prompt\n");
  expect((await cli("delete", "raw:json", "-w", "raw")).out).toBe("1\n");
  const missing = await cli("get", "raw:json", "-w", "raw");
  expect(missing).toMatchObject({ code: 3, out: "" });
  expect(JSON.parse((await cli("get", "raw:prompt", "-w", "json")).out).value).toBe("You are terse");
  expect((await cli("stats", "-w", "raw")).out).toMatch(/^GLOBAL\t\d+\n(.*\n)*revision\t\d+\n$/);
});

test("-- ends the flags: a value that looks like a flag is stored as it is", async () => {
  let out = "";
  const code = await runCli(
    ["set", "dash:value", "--address", t.address, "--token", TOKEN, "--", "--not-a-flag"],
    sinkTo((s) => (out = s)),
  );
  expect(code).toBe(0);
  expect(JSON.parse(out).value).toBe("--not-a-flag");
});

test("--help per command, help, --version: stdout, exit 0, nothing sent", async () => {
  const help = await cli("get", "--help");
  expect(help.code).toBe(0);
  expect(help.out).toMatch(/^usage: cache-fabric get <key> \[--scope S\]/);
  expect(help.out).toMatch(/--scope SCOPE +GLOBAL \(default\), EXECUTION, FEEDBACK or USER, any case/);
  expect(help.out).toMatch(/--output json\|raw/);
  expect((await cli("watch", "-h")).out).toMatch(/--count N +stop after N events/);
  const all = await runCli(
    ["help"],
    sinkTo((s) => (help.out = s)),
  );
  expect(all).toBe(0);
  for (const name of Object.keys(COMMANDS)) expect(help.out).toContain(`  ${name} `);
  expect(help.out).toMatch(/exit codes: 0 ok, 1 error, 2 usage, 3 nothing found/);
  let version = "";
  expect(
    await runCli(
      ["--version"],
      sinkTo((s) => (version = s)),
    ),
  ).toBe(0);
  expect(version).toBe(`cache-fabric ${clientPackage.version}\n`);
});

test("no command, or an unknown one: exit 2", async () => {
  expect(
    await runCli(
      [],
      sinkTo(() => undefined),
    ),
  ).toBe(2);
  expect(stderr).toMatch(/^usage: cache-fabric <command>/);
  stderr = "";
  expect(
    await runCli(
      ["gte", "k"],
      sinkTo(() => undefined),
    ),
  ).toBe(2);
  expect(stderr).toBe('cache-fabric: unknown command "gte" (cache-fabric --help lists them)\n');
});

test("no server there: exit 1, one line with the code", async () => {
  stderr = "";
  const code = await runCli(
    ["get", "k", "--address", "127.0.0.1:1", "--timeout-ms", "2000"],
    sinkTo(() => undefined),
  );
  expect(code).toBe(1);
  expect(stderr).toMatch(/^cache-fabric get: UNAVAILABLE: /);
  expect(stderr.trimEnd().split("\n")).toHaveLength(1);
});

test("query prints JSON lines newest first; one page by default, every page with --all", async () => {
  for (let i = 0; i < 5; i++) await cli("set", `page:${i}`, `v${i}`);
  const first = await cli("query", "page:*", "--limit", "2");
  expect(first.lines.map((c) => (c as { key: string }).key)).toEqual(["page:4", "page:3"]);
  expect(stderr).toMatch(/more: --page-token \S+ \(or --all\)/);
  const all = await cli("query", "--all", "page:*", "--limit", "2"); // a boolean flag never takes the next word
  expect(all.lines.map((c) => (c as { key: string }).key)).toEqual(["page:4", "page:3", "page:2", "page:1", "page:0"]);
  expect((await cli("query", "nothing:*")).code).toBe(3);
});

test("stats prints the store's figures", async () => {
  const stats = JSON.parse((await cli("stats")).out);
  expect(stats).toMatchObject({ counts: expect.any(Object), totalCount: expect.any(Number), revision: expect.any(Number) });
});

test("import a YAML map (the guide's store-on-startup) in batches, with a progress bar, metadata source=manifest", async () => {
  const file = join(dir, "prompts.yaml");
  const lines = Array.from({ length: 25 }, (_, i) => `"router:r${i}:system_message": "Prompt number ${i}"`);
  writeFileSync(file, lines.join("\n"));
  const res = await cli("import", file, "--batch-size", "10");
  expect(res.code).toBe(0);
  expect(res.out).toBe("imported 25 contexts in 3 batches (revision " + (await t.fabric.stats()).revision + ")\n");
  expect(stderr).toMatch(/import █+░* +40% 10\/25/);
  expect(stderr).toMatch(/import █+ 100% 25\/25/);
  const ctx = await t.fabric.getContext({ key: "router:r7:system_message" });
  expect(ctx).toMatchObject({ value: "Prompt number 7", scope: "GLOBAL", metadata: { source: "manifest" } });
});

test("import a JSON list with scopes, metadata and TTLs; --dry-run sends nothing", async () => {
  const file = join(dir, "contexts.json");
  writeFileSync(
    file,
    JSON.stringify([
      { key: "user:bob:prefs", value: { lang: "fr" }, scope: "USER", metadata: { version: "3" } },
      { key: "cfg:limits", value: [1, 2, 3], ttl: 60 },
    ]),
  );
  const dry = await cli("import", file, "--dry-run");
  expect(dry.out).toMatch(/^2 contexts would be imported/);
  expect(await t.fabric.getContext({ key: "cfg:limits" })).toBeNull();
  expect((await cli("import", file)).code).toBe(0);
  expect(await t.fabric.getContext({ key: "user:bob:prefs", scope: "USER" })).toMatchObject({
    value: { lang: "fr" },
    metadata: { source: "manifest", version: "3" },
  });
  expect((await t.fabric.getContext({ key: "cfg:limits" }))?.expiresAt).toBeInstanceOf(Date);
});

test("a bad manifest is refused whole, naming the entry; nothing is sent", async () => {
  const file = join(dir, "bad.json");
  writeFileSync(file, JSON.stringify([{ key: "ok:1", value: 1 }, { key: "ok:2" }]));
  expect((await cli("import", file)).code).toBe(1);
  expect(stderr).toMatch(/entries\[1\]\.value: is required/);
  expect(await t.fabric.getContext({ key: "ok:1" })).toBeNull();
  writeFileSync(join(dir, "bad.yaml"), "key: [unclosed");
  expect((await cli("import", join(dir, "bad.yaml"))).code).toBe(1);
  expect(stderr).toMatch(/is not valid YAML/);
});

test("watch prints changes as JSON lines; --count ends it", async () => {
  const watching = cli("watch", "--prefix", "watched:", "--count", "1");
  await new Promise((r) => setTimeout(r, 300));
  await t.fabric.setContext({ key: "other:1", value: 0 });
  await t.fabric.setContext({ key: "watched:1", value: "changed" });
  const res = await watching;
  expect(res.code).toBe(0);
  const events = res.lines.filter((m) => (m as { kind: string }).kind === "event") as { event: { key: string; context: { value: unknown } } }[];
  expect(events.map((e) => [e.event.key, e.event.context.value])).toEqual([["watched:1", "changed"]]);
});

test("search prints results as JSON lines", async () => {
  await cli("set", "user:carol:note", "carol drinks green tea", "--scope", "USER");
  const res = await cli("search", "green", "tea", "--scope", "USER", "--wait");
  expect(res.code).toBe(0);
  expect(res.lines[0]).toMatchObject({ key: "user:carol:note", scope: "USER", similarity: expect.any(Number) });
});

test("commands with their own flag checks accept the connection flags (export)", async () => {
  const res = await cli("export");
  expect(res.code).toBe(0);
});

describe("over mutual TLS", () => {
  let pki: TestPki;
  let secure: OpsTestServer;
  beforeAll(async () => {
    pki = createTestPki();
    secure = await startOpsServer(createMemoryStore(), {
      config: { tlsCertFile: pki.serverCert, tlsKeyFile: pki.serverKey, tlsClientCaFile: pki.caCert },
    });
    await secure.fabric.setContext({ key: "k", value: "over mtls" });
  });
  afterAll(async () => {
    await secure?.stop();
    pki?.remove();
  });

  const run = async (...argv: string[]) => {
    let out = "";
    const code = await runCli(
      [...argv, "--address", `localhost:${secure.server.port}`, "--timeout-ms", "3000"],
      sinkTo((s) => (out = s)),
    );
    return { code, out };
  };

  test("--tls-ca, --tls-cert, --tls-key connect", async () => {
    const res = await run("get", "k", "--tls-ca", pki.caCert, "--tls-cert", pki.clientCert, "--tls-key", pki.clientKey);
    expect(res.code).toBe(0);
    expect(JSON.parse(res.out).value).toBe("over mtls");
  });

  test("without a client certificate the server refuses (UNAVAILABLE)", async () => {
    expect((await run("get", "k", "--tls-ca", pki.caCert)).code).toBe(1);
    expect(stderr).toMatch(/UNAVAILABLE/);
  });

  test("a certificate without its key is a usage error (exit 2)", async () => {
    expect((await run("get", "k", "--tls-ca", pki.caCert, "--tls-cert", pki.clientCert)).code).toBe(2);
    expect(stderr).toMatch(/both cert and key/);
  });
});
