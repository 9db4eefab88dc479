#!/usr/bin/env node
// The container's HEALTHCHECK: grpc.health.v1 Check("") against this server on loopback, with the
// grpc-js and grpc-health-check the server already depends on (no grpc_health_probe binary).
// Exit 0 when SERVING, 1 otherwise (NOT_SERVING, unreachable, or no answer within 3 s).
// Port from FABRIC_LISTEN (default 50051). With FABRIC_TLS_CERT_FILE set it speaks TLS, trusting
// FABRIC_HEALTHCHECK_CA_FILE (default: the server's own certificate chain) without a host-name check
// (it is the server's own loopback); with mutual TLS give it FABRIC_HEALTHCHECK_CERT_FILE and
// FABRIC_HEALTHCHECK_KEY_FILE.
const { readFileSync } = require("node:fs");
const grpc = require("@grpc/grpc-js");
const { service } = require("grpc-health-check");

const listen = process.env.FABRIC_LISTEN || "127.0.0.1:50051";
const port = /:(\d+)$/.exec(listen)?.[1] ?? "50051";
const env = process.env;

function credentials() {
  if (!env.FABRIC_TLS_CERT_FILE) return grpc.credentials.createInsecure();
  const read = (file) => (file ? readFileSync(file) : null);
  return grpc.credentials.createSsl(
    read(env.FABRIC_HEALTHCHECK_CA_FILE || env.FABRIC_TLS_CERT_FILE),
    read(env.FABRIC_HEALTHCHECK_KEY_FILE),
    read(env.FABRIC_HEALTHCHECK_CERT_FILE),
    { checkServerIdentity: () => undefined },
  );
}

const Health = grpc.makeClientConstructor(service, "Health");
const client = new Health(`127.0.0.1:${port}`, credentials());
client.check({ service: "" }, { deadline: Date.now() + 3000 }, (err, res) => {
  const status = err ? `${grpc.status[err.code] ?? err.code}: ${err.details}` : res.status;
  if (status !== "SERVING") process.stderr.write(`healthcheck: ${status}\n`);
  client.close();
  process.exit(status === "SERVING" ? 0 : 1);
});
