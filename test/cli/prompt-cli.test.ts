import { Writable } from "node:stream";
import { runCli } from "@cache-fabric/client/cli";
import { createMemoryStore } from "../../server/store/memory.js";
import { startOpsServer, type OpsTestServer } from "../support/ops-server.js";

/** `cache-fabric prompt ...` against a real server over loopback gRPC, in process. */

const ADMIN = "prompt-cli-admin-0123456789";
const COMPILER = "prompt-cli-compiler-0123456789";
let t: OpsTestServer;
let stderr: string;

beforeAll(async () => {
  t = await startOpsServer(createMemoryStore(), {
    config: {
      authTokens: JSON.stringify({
        protectedLabels: ["production"],
        tokens: [
          { name: "admin", token: ADMIN, grants: [{ scope: "*", access: "read-write" }], prompts: [{ names: "*", publish: true, labels: "*" }] },
          { name: "compiler", token: COMPILER, grants: [{ scope: "GLOBAL", keys: "prompt:*", access: "read-write" }] },
        ],
      }),
    },
    fabric: { prompts: { evaluationIntervalMs: 0 } },
  });
});
afterAll(() => t?.stop());
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

/** Runs the CLI against the test server with the admin token (or `token`); exit code and standard output. */
async function cli(argv: string[], token = ADMIN): Promise<{ code: number; out: string }> {
  let out = "";
  const sink = new Writable({
    write(chunk, _e, done) {
      out += String(chunk);
      done();
    },
  });
  const code = await runCli([...argv, "--address", t.address, "--token", token], sink);
  process.exitCode = undefined;
  return { code, out };
}
const json = async (...argv: string[]) => {
  const r = await cli(argv);
  expect([argv.join(" "), r.code]).toEqual([argv.join(" "), 0]);
  return JSON.parse(r.out);
};
const raw = async (...argv: string[]) => {
  stderr = "";
  const r = await cli([...argv, "-w", "raw"]);
  expect([argv.join(" "), r.code, stderr]).toEqual([argv.join(" "), 0, ""]);
  return r.out;
};

test("publish, get, versions, labels, label, history: the JSON and the raw forms", async () => {
  expect(await json("prompt", "publish", "cli:a", "You route {{topic}} questions.", "--message", "first", "--tags", "router,v1")).toMatchObject({
    created: true,
    version: { version: 1, text: "You route {{topic}} questions.", variables: ["topic"], commitMessage: "first", tags: ["router", "v1"], author: "admin" },
  });
  const messages = JSON.stringify([{ role: "system", content: "Route {{topic}}." }]);
  expect(await raw("prompt", "publish", "cli:a", "--messages", messages, "--config", '{"model":"gpt-4o","temperature":0.2}', "--variables", "topic")).toBe(
    "2\n",
  );
  expect(await json("prompt", "publish", "cli:a", "--messages", messages, "--config", '{"temperature":0.2,"model":"gpt-4o"}')).toMatchObject({
    created: false,
    version: { version: 2 },
  });
  expect(await json("prompt", "get", "cli:a")).toMatchObject({
    version: { version: 2, config: { model: "gpt-4o", temperature: 0.2 } },
    label: { label: "latest" },
  });
  expect(await raw("prompt", "get", "cli:a")).toBe(`${messages}\n`);
  expect(await raw("prompt", "get", "cli:a", "--version", "1")).toBe("You route {{topic}} questions.\n");
  expect((await raw("prompt", "versions", "cli:a")).split("\n").map((l) => l.split("\t")[0])).toEqual(["2", "1", ""]);

  const moved = await json("prompt", "label", "cli:a", "production", "1", "--reason", "release 1", "--if-version", "0");
  expect(moved).toMatchObject({
    label: { label: "production", version: 1 },
    move: { kind: "MOVE", fromVersion: 0, toVersion: 1, actor: "admin", reason: "release 1" },
  });
  const conflict = await cli(["prompt", "label", "cli:a", "production", "2", "--reason", "r", "--if-version", "2"]);
  expect(conflict.code).toBe(1);
  expect(stderr).toMatch(
    /^cache-fabric prompt label: FAILED_PRECONDITION: label "production" of "cli:a" points at version 1, not version 2; nothing was moved\n$/,
  );
  expect(await raw("prompt", "labels", "cli:a")).toBe("latest\t2\nproduction\t1\n");
  const history = (await raw("prompt", "history", "cli:a", "--label", "production")).trim().split("\t");
  expect(history).toEqual(["production", "#1", "MOVE", "0 -> 1", "admin", expect.stringMatching(/^\d{4}-\d\d-\d\dT/), "release 1"]);
  expect((await cli(["prompt", "get", "cli:nothing"])).code).toBe(3);
  expect((await cli(["prompt", "history", "cli:nothing"])).code).toBe(3);
});

test("diff -w raw is a unified diff: hunks with three lines of context, then config leaves", async () => {
  const lines = Array.from({ length: 12 }, (_, i) => `line ${i + 1}`);
  const changed = [...lines];
  changed[5] = "line six, rewritten";
  changed.splice(10, 0, "an added line");
  await json("prompt", "publish", "cli:d", lines.join("\n"), "--config", '{"temperature":0.2,"model":"m"}', "--message", "before");
  await json("prompt", "publish", "cli:d", changed.join("\n"), "--config", '{"temperature":0.3,"model":"m","tools":["search"]}', "--message", "after");
  const out = await raw("prompt", "diff", "cli:d", "1", "2");
  const [from, to, ...rest] = out.trimEnd().split("\n");
  expect(from).toMatch(/^--- cli:d version 1 \(admin, \d{4}-.*Z: before\)$/);
  expect(to).toMatch(/^\+\+\+ cli:d version 2 \(admin, \d{4}-.*Z: after\)$/);
  expect(rest).toEqual([
    "@@ -3,10 +3,11 @@ text",
    " line 3",
    " line 4",
    " line 5",
    "-line 6",
    "+line six, rewritten",
    " line 7",
    " line 8",
    " line 9",
    " line 10",
    "+an added line",
    " line 11",
    " line 12",
    "@@ config.temperature @@",
    "-0.2",
    "+0.3",
    "@@ config.tools @@",
    '+["search"]',
    "@@ -1,1 +1,1 @@ commitMessage",
    "-before",
    "+after",
  ]);
  expect((await json("prompt", "diff", "cli:d", "1", "2")).changes.map((c: { path: string }) => c.path)).toEqual([
    "text",
    "config.temperature",
    "config.tools",
    "commitMessage",
  ]);
  expect((await cli(["prompt", "diff", "cli:d", "1", "9"])).code).toBe(1);
  expect(stderr).toMatch(/NOT_FOUND: to_version: prompt "cli:d" has no version 9/);
});

test("rollback: back to the previous version, or --to N, compare-and-set on the version it points at", async () => {
  for (const text of ["one", "two", "three"]) await json("prompt", "publish", "cli:r", text);
  await json("prompt", "label", "cli:r", "production", "1", "--reason", "one");
  await json("prompt", "label", "cli:r", "production", "3", "--reason", "three");
  expect(await raw("prompt", "rollback", "cli:r", "production", "--reason", "three is bad")).toBe("1\n");
  expect(await raw("prompt", "rollback", "cli:r", "production", "--reason", "undo the rollback")).toBe("3\n");
  expect(await raw("prompt", "rollback", "cli:r", "production", "--to", "2", "--reason", "two")).toBe("2\n");
  const history = await t.fabric.prompts.labelHistory({ name: "cli:r", label: "production" });
  expect(history.moves.map((m) => [m.fromVersion, m.toVersion, m.reason])).toEqual([
    [3, 2, "two"],
    [1, 3, "undo the rollback"],
    [3, 1, "three is bad"],
    [1, 3, "three"],
    [0, 1, "one"],
  ]);
  expect((await cli(["prompt", "rollback", "cli:r", "staging", "--reason", "r"])).code).toBe(1);
  expect(stderr).toMatch(/NOT_FOUND: prompt "cli:r" has no label "staging"/);
});

test("rollout start, status, pause, resume; rollback aborts a live rollout; promote completes one", async () => {
  for (const text of ["A", "B"]) await json("prompt", "publish", "cli:ro", text);
  await json("prompt", "label", "cli:ro", "production", "1", "--reason", "A");
  const id = (
    await raw(
      "prompt",
      "rollout",
      "start",
      "cli:ro",
      "production",
      "2",
      "--steps",
      "10:1m,50:90s,100",
      "--reason",
      "try B",
      "--min-samples",
      "50",
      "--max-rating-drop",
      "0.5",
    )
  ).trim();
  const started = await json("prompt", "rollout", "status", "cli:ro", "production");
  expect(started.rollout).toMatchObject({
    id,
    state: "RUNNING",
    steps: [
      { percent: 10, bakeMs: 60_000 },
      { percent: 50, bakeMs: 90_000 },
      { percent: 100, bakeMs: 0 },
    ],
    gate: { minSamples: 50, maxRatingDrop: 0.5, maxErrorRateIncrease: 0.02 },
  });
  const text = await raw("prompt", "rollout", "status", "cli:ro", "production");
  expect(text).toContain(`rollout ${id} of cli:ro label production: version 1 -> 2, RUNNING\n`);
  expect(text).toContain("step 1 of 3 at 10% since ");
  expect(text).toContain("(bake 1m)");
  expect(text).toMatch(/gate WAIT: version 2 \(0 runs\) against 1 \(0 runs\)/);
  expect(text).toMatch(/ {2}error_rate {5}INSUFFICIENT/);
  expect(text).toMatch(/last event: STARTED by admin at .*: try B/);

  expect(await raw("prompt", "rollout", "pause", "cli:ro", "production")).toBe("PAUSED\n");
  expect(await raw("prompt", "rollout", "resume", "cli:ro", "production", "--reason", "go on")).toBe("RUNNING\n");
  expect(await raw("prompt", "rollback", "cli:ro", "production", "--reason", "stop")).toBe("1\n");
  expect((await json("prompt", "rollout", "status", "cli:ro", "production")).rollout.state).toBe("ABORTED");

  await raw("prompt", "rollout", "start", "cli:ro", "production", "2", "--steps", "25:1h,100", "--reason", "again");
  expect(await raw("prompt", "rollout", "promote", "cli:ro", "production", "--reason", "looks good")).toBe("COMPLETED\n");
  expect(await raw("prompt", "labels", "cli:ro")).toContain("production\t2\n");
  expect((await cli(["prompt", "rollout", "status", "cli:ro", "staging"])).code).toBe(3);
});

test("a protected label refuses a token without its grant: exit 1, one line naming the token", async () => {
  await json("prompt", "publish", "cli:p", "P");
  expect((await cli(["prompt", "label", "cli:p", "staging", "1", "--reason", "ok"], COMPILER)).code).toBe(0);
  stderr = "";
  expect((await cli(["prompt", "label", "cli:p", "production", "1", "--reason", "no"], COMPILER)).code).toBe(1);
  expect(stderr).toBe(
    'cache-fabric prompt label: PERMISSION_DENIED: token "compiler" may not move label "production" of prompt "cli:p": the label is protected (needs a prompts grant whose labels name it)\n',
  );
});

test("usage: groups list their commands, each command has its own flags and --help; mistakes are exit 2 with nothing sent", async () => {
  const before = (await t.fabric.stats()).revision;
  expect((await cli(["prompt"])).code).toBe(2);
  expect(stderr).toMatch(/^usage: cache-fabric prompt <command>/);
  for (const argv of [
    ["prompt", "--help"],
    ["help", "prompt"],
  ]) {
    const help = await cli(argv);
    expect(help.code).toBe(0);
    for (const c of ["publish", "get", "versions", "labels", "history", "diff", "label", "rollback", "rollout"]) expect(help.out).toContain(`  ${c} `);
  }
  const rollout = await cli(["prompt", "rollout", "--help"]);
  for (const c of ["start", "pause", "resume", "promote", "abort", "status"]) expect(rollout.out).toContain(`  ${c} `);
  const startHelp = await cli(["prompt", "rollout", "start", "--help"]);
  expect(startHelp.out).toMatch(/^usage: cache-fabric prompt rollout start <name> <label> <version> --steps/);
  expect(startHelp.out).toContain("--max-error-rate-increase X");
  expect((await cli(["help", "prompt", "rollout", "start"])).out).toBe(startHelp.out);
  for (const [argv, message] of [
    [["prompt", "nope"], /^cache-fabric prompt: unknown command "nope" \(cache-fabric prompt --help\)\n$/],
    [["prompt", "rollout", "begin"], /^cache-fabric prompt rollout: unknown command "begin"/],
    [["prompt", "label", "cli:a", "production", "1"], /^cache-fabric prompt label: --reason: is required/],
    [
      ["prompt", "label", "cli:a", "production", "one", "--reason", "r"],
      /^cache-fabric prompt label: version: must be a version number, 1 or more \(got "one"\)/,
    ],
    [["prompt", "publish", "cli:a"], /^cache-fabric prompt publish: template: is required/],
    [["prompt", "publish", "cli:a", "x", "--messages", "[]"], /^cache-fabric prompt publish: template: give one template/],
    [["prompt", "publish", "cli:a", "x", "--config", "{nope"], /^cache-fabric prompt publish: --config: is not JSON/],
    [["prompt", "get", "cli:a", "--version", "1", "--label", "production"], /^cache-fabric prompt get: --version: give at most one of --version, --label/],
    [["prompt", "get", "cli:a", "--scope", "USER"], /^cache-fabric prompt get: --scope: unknown flag/],
    [["prompt", "rollout", "start", "cli:a", "production", "2", "--reason", "r"], /^cache-fabric prompt rollout start: --steps: is required/],
    [
      ["prompt", "rollout", "start", "cli:a", "production", "2", "--steps", "10:5x", "--reason", "r"],
      /--steps: step 1 \("10:5x"\) must be PERCENT or PERCENT:BAKE/,
    ],
    [["prompt", "rollout", "promote", "cli:a", "production"], /^cache-fabric prompt rollout promote: --reason: is required/],
    [["prompt", "diff", "cli:a", "1"], /^cache-fabric prompt diff: to-version: is required/],
  ] as const) {
    stderr = "";
    const res = await cli([...argv]);
    expect([argv.join(" "), res.code]).toEqual([argv.join(" "), 2]);
    expect(stderr).toMatch(message);
  }
  expect((await t.fabric.stats()).revision).toBe(before);
});
