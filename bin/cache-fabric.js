#!/usr/bin/env node
// The CLI runs from the built output when there is one (Docker image), else straight from TypeScript.
const path = require("node:path");
const fs = require("node:fs");
const built = path.join(__dirname, "../dist/client/cli/main.js");
let main;
if (fs.existsSync(built)) main = require(built);
else {
  require("tsx/cjs");
  main = require("../client/cli/main.ts");
}
main.runCli(process.argv.slice(2)).then((code) => process.exit(code));
