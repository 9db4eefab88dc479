import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import { ContextService } from "@cache-fabric/client/gen/context";
import { ExecutionService } from "@cache-fabric/client/gen/execution";
import { PromptService } from "@cache-fabric/client/gen/prompt";
import { SearchService } from "@cache-fabric/client/gen/search";
import { COMMANDS } from "../../client/src/cli/commands/index.js";
import { ALL_SETTINGS } from "../../server/main.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { blocksByLanguage, type CodeBlock } from "../support/readme-blocks.js";
import { startOpsServer } from "../support/ops-server.js";
import { runProcess, type ProcessResult } from "../support/run-process.js";

const root = join(__dirname, "../..");

/** The README is the user's door: every setting and every RPC must be in it. */
describe("README", () => {
  const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");

  test.each(Object.values(ALL_SETTINGS).map((s) => [s.env, s.flag]))("documents setting %s / --%s", (env, flag) => {
    const row = readme.split("\n").find((line) => line.startsWith(`| \`${env}\``));
    expect(row).toBeDefined();
    expect(row).toContain(`\`--${flag}\``);
  });

  const rpcs = [ContextService, SearchService, ExecutionService, PromptService].flatMap((s) => s.methods.map((m) => `${s.name}.${m.name}`));
  test.each(rpcs)("documents RPC %s in the API table", (rpc) => {
    expect(readme.split("\n").some((line) => line.startsWith(`| \`${rpc}\``))).toBe(true);
  });

  const shown = [...new Set([...readme.matchAll(/npx cache-fabric ([a-z]+)/g)].map((m) => m[1]))].filter((c) => c !== "help");
  test.each(shown)("the CLI command it shows, %s, exists", (name) => {
    expect(Object.keys(COMMANDS)).toContain(name);
  });

  test("every CLI command is shown", () => {
    for (const name of Object.keys(COMMANDS)) expect(shown).toContain(name);
  });
});

/** The README's TypeScript is tested code: every block type-checks, and the quick start runs as written. */
describe("README code blocks", () => {
  const blocks = blocksByLanguage("ts");
  const quickStart = blocks.filter((b) => b.kind === "quick-start");

  test("has TypeScript blocks, one of them the quick start, and only markers this test knows", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
    expect(quickStart).toHaveLength(1);
    for (const b of blocks) expect([undefined, "quick-start", "fragment"]).toContain(b.kind);
  });

  test("the client package's README shows the same quick start", () => {
    const [theirs] = blocksByLanguage("ts", join(root, "client/README.md")).filter((b) => b.kind === "quick-start");
    expect(theirs?.code).toBe(quickStart[0].code);
  });

  test("every TypeScript block type-checks against the client package (the quick start as ESM and as CommonJS)", () => {
    const files = virtualFiles(blocks);
    const diagnostics = typeCheck(files);
    expect(diagnostics).toEqual([]);
  }, 120_000);

  test("a type error in a block is reported (the check can fail)", () => {
    const broken: CodeBlock = { lang: "ts", code: 'const n: number = "no";\n', line: 1, heading: "broken" };
    expect(typeCheck(virtualFiles([broken])).join("\n")).toMatch(/README line 2 \(broken, as .mts\): .*not assignable to type 'number'/);
  }, 120_000);

  // .ts is CommonJS here (the root package.json has no "type"). tsx cannot run a .cts that imports
  // TypeScript sources; the package-install check (test/package) compiles and runs a real .cts.
  test.each(["mts", "ts"])(
    "the quick start runs as written as .%s against a live server",
    async (ext) => {
      const t = await startOpsServer(createMemoryStore());
      const dir = mkdtempSync(join(root, "test/.readme-"));
      try {
        const file = join(dir, `quick-start.${ext}`);
        writeFileSync(file, quickStart[0].code);
        const run = await runNode([join(root, "node_modules/tsx/dist/cli.mjs"), file], { FABRIC_ADDRESS: t.address });
        expect(run).toEqual({ code: 0, stdout: "You are a helpful assistant\n0 recent executions\n", stderr: expect.any(String) });
        expect((await t.fabric.getContext({ key: "key:999" }))?.value).toEqual({ data: 999 });
        expect((await t.fabric.getContext({ key: "router:main:system_message" }))?.metadata).toEqual({ router_name: "main", version: "1.0" });
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await t.stop();
      }
    },
    120_000,
  );

  test("the quick start reports a FabricError by its code when no server is there", async () => {
    const dir = mkdtempSync(join(root, "test/.readme-"));
    try {
      const file = join(dir, "quick-start.mts");
      writeFileSync(file, quickStart[0].code);
      const run = await runNode([join(root, "node_modules/tsx/dist/cli.mjs"), file], { FABRIC_ADDRESS: "127.0.0.1:1" });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/^UNAVAILABLE: /m);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});

/** A block as a file of its own; fragments get a prelude (the marker's detail, or a `fabric` declaration). */
interface VirtualFile {
  path: string;
  text: string;
  block: CodeBlock;
  preludeLines: number;
}

function virtualFiles(blocks: CodeBlock[]): VirtualFile[] {
  const files: VirtualFile[] = [];
  for (const block of blocks) {
    const prelude = block.kind === "fragment" ? `${block.detail ?? 'declare const fabric: import("@cache-fabric/client").FabricClient;'}\n` : "";
    // .mts: a module of its own, with top-level await (as in an ES module project); the quick start
    // must also compile as CommonJS, where top-level await is an error.
    for (const ext of block.kind === "quick-start" ? ["mts", "cts"] : ["mts"]) {
      files.push({ path: join(root, `test/.readme/line-${block.line}.${ext}`), text: prelude + block.code, block, preludeLines: prelude ? 1 : 0 });
    }
  }
  return files;
}

/** Type-checks the files with the repository's compiler options (paths map @cache-fabric/client to client/src). */
function typeCheck(files: VirtualFile[]): string[] {
  const config = ts.getParsedCommandLineOfConfigFile(
    join(root, "tsconfig.json"),
    { noEmit: true, types: ["node"] },
    {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n"));
      },
    },
  );
  const byPath = new Map(files.map((f) => [f.path, f]));
  const host = ts.createCompilerHost(config!.options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (f) => byPath.has(f) || fileExists(f);
  host.readFile = (f) => byPath.get(f)?.text ?? readFile(f);
  host.getSourceFile = (f, language, ...rest) => {
    const file = byPath.get(f);
    return file ? ts.createSourceFile(f, file.text, language) : getSourceFile(f, language, ...rest);
  };
  const program = ts.createProgram({ rootNames: [...byPath.keys()], options: config!.options, host });
  return ts.getPreEmitDiagnostics(program).map((d) => {
    const file = d.file && byPath.get(d.file.fileName);
    const message = ts.flattenDiagnosticMessageText(d.messageText, " ");
    if (!file || d.start === undefined) return `${d.file?.fileName ?? "?"}: ${message}`;
    const line = d.file!.getLineAndCharacterOfPosition(d.start).line - file.preludeLines;
    return `README line ${file.block.line + 1 + line} (${file.block.heading}, as .${file.path.split(".").pop()}): ${message}`;
  });
}

function runNode(args: string[], env: NodeJS.ProcessEnv): Promise<ProcessResult> {
  return runProcess(process.execPath, args, { cwd: root, env });
}
