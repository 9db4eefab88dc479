/**
 * Prints the README's configuration table from the settings the server declares:
 * `npx tsx scripts/settings-table.ts`. test/e2e/readme.test.ts checks that README has a row for each.
 */
import { ALL_SETTINGS } from "../server/main.js";

const show = (v: unknown): string => {
  if (v === undefined) return "(unset)";
  if (Array.isArray(v)) return `\`${v.join(",")}\``;
  return `\`${String(v)}\``;
};

console.log("| env | flag | default | meaning |\n|---|---|---|---|");
for (const s of Object.values(ALL_SETTINGS)) {
  console.log(`| \`${s.env}\` | \`--${s.flag}\` | ${show(s.default)} | ${s.description.replace(/\|/g, "\\|")} |`);
}
