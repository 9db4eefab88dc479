import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FabricClient, FabricError } from "@cache-fabric/client";
import { hashToken } from "../../server/access/tokens.js";
import { startServerProcess } from "../support/server-process.js";

/**
 * server/main.ts as an operator runs it (a child process, settings from flags and the environment):
 * the authentication default, a hashed token file, the metrics port, JSON logs, SIGTERM.
 */

// No embedding model to load: these tests are about operations, not search.
const startMain = (args: string[], env: NodeJS.ProcessEnv = {}) => startServerProcess(args, { FABRIC_SEARCH: "false", ...env });

test("without tokens on a non-loopback address the server refuses to start, saying how to fix it", async () => {
  const { output, exited } = startMain(["--listen", "0.0.0.0:0"]);
  expect(await exited).toBe(1);
  const line = JSON.parse(output().trim().split("\n").at(-1)!);
  expect(line).toMatchObject({ level: "error", msg: expect.stringMatching(/refusing to serve 0\.0\.0\.0:0 without authentication: configure tokens .* or set FABRIC_AUTH=off/) });
});

test("with a hashed token file: authenticated calls only, metrics on their port, JSON logs, clean SIGTERM", async () => {
  const dir = mkdtempSync(join(tmpdir(), "cf-main-"));
  const tokensFile = join(dir, "tokens.yaml");
  const secret = "operator-token-0123456789";
  writeFileSync(tokensFile, `tokens:\n  - name: operator\n    sha256: ${hashToken(secret)}\n    grants: [{ scope: "*", access: read-write }]\n`);
  const proc = startMain(["--listen", "127.0.0.1:0", "--metrics-listen", "127.0.0.1:0", "--log-level", "debug"], {
    FABRIC_AUTH_TOKENS_FILE: tokensFile,
  });
  try {
    const { output } = proc;
    const address = await proc.serving();
    const anonymous = new FabricClient({ address });
    const err = await anonymous.getContext({ key: "k" }).catch((e) => e);
    expect(FabricError.is(err, "UNAUTHENTICATED")).toBe(true);
    const operator = new FabricClient({ address, token: secret });
    await operator.setContext({ key: "k", value: "v" });
    const metricsAddress = /metrics on http:\/\/([\d.:]+)\/metrics/.exec(output())![1];
    const metrics = await (await fetch(`http://${metricsAddress}/metrics`)).text();
    expect(metrics).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="SetContext",grpc_code="OK"\} 1/);
    expect(metrics).toMatch(/grpc_server_handled_total\{[^}]*grpc_method="GetContext",grpc_code="UNAUTHENTICATED"\} 1/);
    await anonymous.close();
    await operator.close();
    expect(await proc.stop("SIGTERM")).toBe(0);
    const lines = output().trim().split("\n").map((l) => JSON.parse(l));
    expect(lines.find((l) => l.auth === "on")).toMatchObject({ level: "info", tokens: 1 });
    expect(lines.find((l) => l.code === "OK" && l.method === "cachefabric.v1.ContextService/SetContext")).toMatchObject({ level: "debug", principal: "operator" });
    expect(lines.some((l) => /SIGTERM: shutting down/.test(l.msg))).toBe(true);
    expect(output()).not.toContain(secret);
  } finally {
    proc.child.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});
