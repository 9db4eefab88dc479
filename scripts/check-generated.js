#!/usr/bin/env node
// Fails when the committed generated code differs from what `buf generate` makes from proto/:
// regenerates into a temporary folder and compares file by file.
const { execFileSync } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");

const root = path.resolve(__dirname, "..");
const committed = path.join(root, "client/src/gen");
const work = fs.mkdtempSync(path.join(os.tmpdir(), "cf-gen-"));
const tmp = path.join(work, "out");
try {
  const template = fs.readFileSync(path.join(root, "buf.gen.yaml"), "utf8").replace(/out: client\/src\/gen/, `out: ${tmp}`);
  const templateFile = path.join(work, "buf.gen.yaml");
  fs.writeFileSync(templateFile, template);
  execFileSync(path.join(root, "node_modules/.bin/buf"), ["generate", "--template", templateFile], { cwd: root, stdio: "inherit" });
  const list = (dir) =>
    fs.readdirSync(dir, { recursive: true }).filter((f) => fs.statSync(path.join(dir, f)).isFile()).map(String).sort();
  const want = list(tmp);
  const have = list(committed);
  const drift = [];
  for (const f of new Set([...want, ...have])) {
    const a = want.includes(f) ? fs.readFileSync(path.join(tmp, f), "utf8") : undefined;
    const b = have.includes(f) ? fs.readFileSync(path.join(committed, f), "utf8") : undefined;
    if (a !== b) drift.push(f);
  }
  if (drift.length) {
    console.error(`generated code is out of date (run \`npm run generate\` and commit): ${drift.join(", ")}`);
    process.exit(1);
  }
  console.log(`generated code matches proto/ (${want.length} files)`);
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}
