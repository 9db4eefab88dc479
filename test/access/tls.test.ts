import { FabricClient, FabricError } from "@cache-fabric/client";
import { tlsCredentials } from "../../client/src/remote/credentials.js";
import { ConfigError } from "../../server/config.js";
import { serverCredentials } from "../../server/access/tls.js";
import { createMemoryStore } from "../../server/store/memory.js";
import { createTestPki, type TestPki } from "../support/certs.js";
import { healthClient } from "../support/health-client.js";
import { startOpsServer, type OpsTestServer } from "../support/ops-server.js";

/**
 * TLS and mutual TLS over real gRPC on loopback, with certificates generated for this run by the
 * `openssl` CLI (a CA, a server certificate for 127.0.0.1/localhost, a client certificate, and a
 * client certificate from another CA).
 */

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki?.remove());

/** Dial by the certificate's DNS name (an IP as TLS server name is deprecated in Node). */
const byName = (t: OpsTestServer) => `localhost:${t.server.port}`;

const code = (p: Promise<unknown>) => p.then(() => "OK", (e) => (FabricError.is(e) ? e.code : String(e)));

describe("TLS", () => {
  let t: OpsTestServer;
  beforeAll(async () => {
    t = await startOpsServer(createMemoryStore(), { config: { tlsCertFile: pki.serverCert, tlsKeyFile: pki.serverKey } });
  });
  afterAll(() => t.stop());

  test("a client trusting the CA connects (FabricClient `tls` option)", async () => {
    const client = t.client({ address: byName(t),  tls: { ca: pki.read(pki.caCert) }, timeoutMs: 3000 });
    expect(t.ops.tls).toBe("tls");
    await client.setContext({ key: "k", value: "over tls" });
    expect((await client.getContext({ key: "k" }))?.value).toBe("over tls");
  });

  test("a plain-text client is refused", async () => {
    expect(await code(t.client({ address: byName(t),  timeoutMs: 1500 }).getContext({ key: "k" }))).toBe("UNAVAILABLE");
  });

  test("a client that does not trust the server's CA is refused", async () => {
    const client = t.client({ address: byName(t),  credentials: tlsCredentials({ ca: pki.read(pki.rogueCaCert) }), timeoutMs: 1500 });
    expect(await code(client.getContext({ key: "k" }))).toBe("UNAVAILABLE");
  });
});

describe("mutual TLS", () => {
  let t: OpsTestServer;
  beforeAll(async () => {
    t = await startOpsServer(createMemoryStore(), {
      config: { tlsCertFile: pki.serverCert, tlsKeyFile: pki.serverKey, tlsClientCaFile: pki.caCert },
    });
  });
  afterAll(() => t.stop());

  test("a client with a certificate the CA signed connects", async () => {
    expect(t.ops.tls).toBe("mtls");
    const client = t.client({ address: byName(t), 
      tls: { ca: pki.read(pki.caCert), cert: pki.read(pki.clientCert), key: pki.read(pki.clientKey) },
      timeoutMs: 3000,
    });
    await client.setContext({ key: "k", value: "over mtls" });
    expect((await client.getContext({ key: "k" }))?.value).toBe("over mtls");
  });

  test("a client without a certificate is refused", async () => {
    const client = t.client({ address: byName(t),  tls: { ca: pki.read(pki.caCert) }, timeoutMs: 1500 });
    expect(await code(client.getContext({ key: "k" }))).toBe("UNAVAILABLE");
  });

  test("a client with a certificate from another CA is refused", async () => {
    const client = t.client({ address: byName(t), 
      tls: { ca: pki.read(pki.caCert), cert: pki.read(pki.rogueClientCert), key: pki.read(pki.rogueClientKey) },
      timeoutMs: 1500,
    });
    expect(await code(client.getContext({ key: "k" }))).toBe("UNAVAILABLE");
  });

  test("health is behind mTLS too (probes need a client certificate)", async () => {
    const withCert = healthClient(
      byName(t),
      tlsCredentials({ ca: pki.read(pki.caCert), cert: pki.read(pki.clientCert), key: pki.read(pki.clientKey) }),
    );
    const deadline = Date.now() + 5000;
    let status = await withCert.check();
    while (status.status !== "SERVING" && Date.now() < deadline) status = await withCert.check();
    expect(status).toEqual({ status: "SERVING" });
    withCert.close();
  });
});

describe("configuration", () => {
  test("half a key pair, a missing file or a CA without a certificate stop the server with a message naming the setting", () => {
    expect(() => serverCredentials({ certFile: pki.serverCert })).toThrow(/FABRIC_TLS_CERT_FILE and FABRIC_TLS_KEY_FILE/);
    expect(() => serverCredentials({ certFile: "/nonexistent.pem", keyFile: pki.serverKey })).toThrow(/FABRIC_TLS_CERT_FILE: cannot read/);
    expect(() => serverCredentials({ clientCaFile: pki.caCert })).toThrow(ConfigError);
    expect(() => serverCredentials({ certFile: pki.serverCert, keyFile: pki.dir })).toThrow(ConfigError);
  });

  test("tlsCredentials refuses a certificate without its key", () => {
    expect(() => tlsCredentials({ cert: pki.read(pki.clientCert) })).toThrow(/both cert and key/);
  });

  test("FabricClient unchanged without TLS options (plain text on loopback)", async () => {
    const t = await startOpsServer(createMemoryStore());
    const client = new FabricClient({ address: t.address });
    expect((await client.setContext({ key: "k", value: 1 })).revision).toBe(1);
    await client.close();
    await t.stop();
  });
});
