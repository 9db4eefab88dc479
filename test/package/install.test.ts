import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import clientPackage from "../../client/package.json";
import { createMemoryStore } from "../../server/store/memory.js";
import { startTestServer, type TestServer } from "../support/harness.js";
import { blocksByLanguage } from "../support/readme-blocks.js";
import { runProcess, type ProcessResult } from "../support/run-process.js";

/**
 * The client package as a user gets it: packed (prepack builds it), installed into an empty folder
 * outside the clone with default npm settings (none of this repository's .npmrc, the registry as the
 * only network), then used: the README's quick start compiled by tsc as an ES module and as
 * CommonJS and run against a live server, both module systems sharing one FabricError, and
 * `npx cache-fabric`. Run by CI with `npm run test:package` (not part of `npm test`: it needs the
 * registry, or npm's cache).
 */
const root = join(__dirname, "../..");
const MAX_INSTALL_BYTES = 25 * 1024 * 1024;
const FORBIDDEN = ["onnxruntime-node", "ioredis", "@qdrant/js-client-rest", "typescript", "tsx", "jest", "pino", "@grpc/reflection"];

let work: string;
let app: string;
let tarball: string;
let server: TestServer;
/** npm as a user runs it: none of the npm_* variables `npm test` sets from our .npmrc, an empty user config. */
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "cf-package-"));
  app = join(work, "app");
  mkdirSync(app);
  writeFileSync(join(work, "empty.npmrc"), "");
  env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
  env.NPM_CONFIG_USERCONFIG = join(work, "empty.npmrc");
  // The repository's .npmrc says ignore-scripts (for onnxruntime-node); packing must run prepack.
  const pack = await npm(["pack", "--ignore-scripts=false", "--pack-destination", work], join(root, "client"));
  expect(pack.code).toBe(0);
  tarball = join(work, pack.stdout.trim().split("\n").pop()!);
  writeFileSync(join(app, "package.json"), JSON.stringify({ name: "agent-app", version: "1.0.0", private: true }));
  const install = await npm(["install", "--no-audit", "--no-fund", tarball], app);
  if (install.code !== 0) throw new Error(`npm install failed: ${install.stderr}`);
  server = await startTestServer(createMemoryStore());
}, 300_000);

afterAll(async () => {
  await server?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

test("the tarball holds the built package, its licence, README and changelog, and no tests or benchmarks", async () => {
  const list = (await runProcess("tar", ["tzf", tarball], { cwd: work })).stdout.split("\n").filter(Boolean);
  for (const file of [
    "LICENSE",
    "README.md",
    "CHANGELOG.md",
    "package.json",
    "bin/cache-fabric.js",
    "dist/cjs/index.js",
    "dist/cjs/index.d.ts",
    "dist/esm/index.mjs",
    "dist/esm/index.d.mts",
    "dist/esm/gen/context.mjs",
  ]) {
    expect(list).toContain(`package/${file}`);
  }
  expect(list.filter((f) => /^package\/(test|bench|server|examples|node_modules)\//.test(f) || f.endsWith(".tsbuildinfo"))).toEqual([]);
});

test(`installs only the client's dependencies, at most ${MAX_INSTALL_BYTES / 1024 / 1024} MB`, () => {
  const bytes = folderBytes(join(app, "node_modules"));
  const packages = installedPackages(join(app, "node_modules"));
  console.log(`installed: ${(bytes / 1024 / 1024).toFixed(1)} MB in ${packages.length} packages (${packages.join(", ")})`);
  expect(bytes).toBeLessThanOrEqual(MAX_INSTALL_BYTES);
  expect(packages).toEqual(expect.arrayContaining(["@cache-fabric/client", "@grpc/grpc-js", "@bufbuild/protobuf"]));
  expect(packages.filter((p) => FORBIDDEN.includes(p))).toEqual([]);
});

test("the README's quick start compiles with tsc (strict, .d.ts checked) and runs as an ES module and as CommonJS", async () => {
  const [quickStart] = blocksByLanguage("ts").filter((b) => b.kind === "quick-start");
  writeFileSync(join(app, "quick-start.mts"), quickStart.code);
  writeFileSync(join(app, "quick-start.cts"), quickStart.code);
  const tsc = await runProcess(
    process.execPath,
    [
      join(root, "node_modules/typescript/bin/tsc"),
      "--strict",
      "--module",
      "node16",
      "--target",
      "es2022",
      "--typeRoots",
      join(root, "node_modules/@types"),
      "--types",
      "node",
      "quick-start.mts",
      "quick-start.cts",
    ],
    { cwd: app, env, replaceEnv: true },
  );
  expect(tsc).toMatchObject({ code: 0, stdout: "" });
  for (const file of ["quick-start.mjs", "quick-start.cjs"]) {
    const run = await node([file], { FABRIC_ADDRESS: server.server.address });
    expect({ file, ...run }).toEqual({ file, code: 0, stdout: "You are a helpful assistant\n0 recent executions\n", stderr: "" });
  }
  expect((await server.fabric.getContext({ key: "key:999" }))?.value).toEqual({ data: 999 });
}, 120_000);

test("import and require load one copy: the same exports on every entry point, one FabricError", async () => {
  const subpaths = ["", "/api", "/gen/context", "/gen/search", "/gen/execution", "/agent", "/wire", "/cli"];
  writeFileSync(
    join(app, "dual.mjs"),
    `import { createRequire } from "node:module";
const require = createRequire(import.meta.url);
const report = {};
for (const sub of ${JSON.stringify(subpaths)}) {
  const esm = await import("@cache-fabric/client" + sub);
  const cjs = require("@cache-fabric/client" + sub);
  const names = Object.keys(cjs).filter((k) => k !== "__esModule");
  report[sub || "."] = { names: names.length, missing: names.filter((k) => !(k in esm)), different: names.filter((k) => k in esm && esm[k] !== cjs[k]) };
}
const { FabricError } = await import("@cache-fabric/client");
const fromRequire = new (require("@cache-fabric/client").FabricError)("UNAVAILABLE", "down");
report.instanceOf = fromRequire instanceof FabricError && FabricError.is(fromRequire, "UNAVAILABLE");
let deep = "allowed";
try { require("@cache-fabric/client/dist/cjs/index.js"); } catch (e) { deep = e.code; }
report.deepImport = deep;
console.log(JSON.stringify(report));
`,
  );
  const run = await node(["dual.mjs"]);
  expect(run.code).toBe(0);
  const report = JSON.parse(run.stdout);
  for (const sub of subpaths) {
    expect({ sub, ...report[sub || "."] }).toEqual({ sub, names: expect.any(Number), missing: [], different: [] });
    expect(report[sub || "."].names).toBeGreaterThan(0);
  }
  expect(report.instanceOf).toBe(true);
  expect(report.deepImport).toBe("ERR_PACKAGE_PATH_NOT_EXPORTED");
});

test("npx cache-fabric works from the app's folder: get, -w raw, usage errors, --version", async () => {
  await server.fabric.setContext({ key: "router:npx:system_message", value: "Installed and working" });
  const address = ["--address", server.server.address];
  const started = performance.now();
  const get = await npx(["cache-fabric", "get", "router:npx:system_message", ...address]);
  const ms = performance.now() - started;
  expect(get.code).toBe(0);
  expect(JSON.parse(get.stdout)).toMatchObject({ key: "router:npx:system_message", value: "Installed and working", scope: "GLOBAL" });
  expect(await npx(["cache-fabric", "get", "router:npx:system_message", "-w", "raw", ...address])).toMatchObject({
    code: 0,
    stdout: "Installed and working\n",
  });
  expect(await npx(["cache-fabric", "get", "router:npx:absent", ...address])).toMatchObject({ code: 3 });
  const usage = await npx(["cache-fabric", "get", "k", "--scpoe", "USER", ...address]);
  expect(usage).toMatchObject({ code: 2, stdout: "" });
  expect(usage.stderr.trim().split("\n")).toHaveLength(1);
  expect(await npx(["cache-fabric", "--version"])).toMatchObject({ code: 0, stdout: `cache-fabric ${clientPackage.version}\n` });
  // Through npx (itself about 0.3 s); the bin alone is measured by `npm run bench:cli`.
  console.log(`npx cache-fabric get: ${ms.toFixed(0)} ms`);
});

function npm(args: string[], cwd: string): Promise<ProcessResult> {
  return runProcess("npm", args, { cwd, env, replaceEnv: true });
}

function npx(args: string[]): Promise<ProcessResult> {
  return runProcess("npx", ["--no-install", ...args], { cwd: app, env, replaceEnv: true });
}

function node(args: string[], extra: NodeJS.ProcessEnv = {}): Promise<ProcessResult> {
  return runProcess(process.execPath, args, { cwd: app, env: { ...env, ...extra }, replaceEnv: true });
}

function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) total += statSync(join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/** Names of the packages under node_modules (scoped ones as @scope/name). */
function installedPackages(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => !n.startsWith("."))
    .flatMap((n) => (n.startsWith("@") ? readdirSync(join(dir, n)).map((m) => `${n}/${m}`) : [n]))
    .sort();
}
