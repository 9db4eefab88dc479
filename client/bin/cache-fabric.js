#!/usr/bin/env node
// The CLI, from the package's built output (`npm run build` in a clone; every packed install has it).
require("../dist/cjs/cli/main.js")
  .runCli(process.argv.slice(2))
  .then((code) => process.exit(code));
