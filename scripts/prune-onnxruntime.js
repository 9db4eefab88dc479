#!/usr/bin/env node
// Removes onnxruntime-node's native binaries for every platform but this one (the package ships
// darwin, linux and win32 builds, ~250 MB; one linux-x64 build is ~45 MB). For production images,
// after `npm ci --omit=dev`: node scripts/prune-onnxruntime.js [node_modules folder]
const fs = require("node:fs");
const path = require("node:path");

const modules = path.resolve(process.argv[2] || "node_modules");
const bin = path.join(modules, "onnxruntime-node", "bin");
const keep = path.join(process.platform, process.arch);
let removed = 0;
for (const napi of fs.readdirSync(bin)) {
  for (const platform of fs.readdirSync(path.join(bin, napi))) {
    for (const arch of fs.readdirSync(path.join(bin, napi, platform))) {
      if (path.join(platform, arch) === keep) continue;
      fs.rmSync(path.join(bin, napi, platform, arch), { recursive: true, force: true });
      removed++;
    }
    if (fs.readdirSync(path.join(bin, napi, platform)).length === 0) fs.rmdirSync(path.join(bin, napi, platform));
  }
}
const kept = fs
  .readdirSync(bin)
  .map((napi) => path.join(napi, keep))
  .filter((p) => fs.existsSync(path.join(bin, p)));
if (kept.length === 0) throw new Error(`prune-onnxruntime: no ${keep} build left under ${bin}`);
console.log(`onnxruntime-node: kept ${kept.join(", ")}, removed ${removed} other platform build(s)`);
