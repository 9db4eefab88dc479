import { readFileSync } from "node:fs";
import { join } from "node:path";
import { ContextService } from "@cache-fabric/client/gen/context";
import { ExecutionService } from "@cache-fabric/client/gen/execution";
import { SearchService } from "@cache-fabric/client/gen/search";
import { COMMANDS } from "../../client/src/cli/commands/index.js";
import { ALL_SETTINGS } from "../../server/main.js";

/** The README is the user's door: every setting and every RPC must be in it. */
describe("README", () => {
  const readme = readFileSync(join(__dirname, "../../README.md"), "utf8");

  test.each(Object.values(ALL_SETTINGS).map((s) => [s.env, s.flag]))("documents setting %s / --%s", (env, flag) => {
    const row = readme.split("\n").find((line) => line.startsWith(`| \`${env}\``));
    expect(row).toBeDefined();
    expect(row).toContain(`\`--${flag}\``);
  });

  const rpcs = [ContextService, SearchService, ExecutionService].flatMap((s) => s.methods.map((m) => `${s.name}.${m.name}`));
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
