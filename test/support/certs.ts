import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** PEM files of a throwaway PKI, generated per test file with the `openssl` CLI (EC P-256, 1 day). */
export interface TestPki {
  dir: string;
  /** CA that signs the server and client certificates. */
  caCert: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** Another CA, trusted by nobody here. */
  rogueCaCert: string;
  /** A client certificate from another CA: must be refused under mTLS. */
  rogueClientCert: string;
  rogueClientKey: string;
  read(file: string): Buffer;
  remove(): void;
}

export function createTestPki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), "cf-pki-"));
  const p = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
  const key = (name: string) => openssl("ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", p(name));
  const ca = (name: string, cn: string) => {
    key(`${name}-key.pem`);
    openssl("req", "-x509", "-new", "-key", p(`${name}-key.pem`), "-sha256", "-days", "1", "-subj", `/CN=${cn}`, "-out", p(`${name}.pem`));
  };
  const leaf = (name: string, caName: string, cn: string, ext: string) => {
    key(`${name}-key.pem`);
    openssl("req", "-new", "-key", p(`${name}-key.pem`), "-subj", `/CN=${cn}`, "-out", p(`${name}.csr`));
    writeFileSync(p(`${name}.ext`), ext);
    openssl(
      "x509", "-req", "-in", p(`${name}.csr`), "-CA", p(`${caName}.pem`), "-CAkey", p(`${caName}-key.pem`),
      "-CAcreateserial", "-days", "1", "-sha256", "-extfile", p(`${name}.ext`), "-out", p(`${name}.pem`),
    );
  };
  ca("ca", "cache-fabric test CA");
  ca("rogue-ca", "someone else's CA");
  leaf("server", "ca", "localhost", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n");
  leaf("client", "ca", "test-agent", "extendedKeyUsage=clientAuth\n");
  leaf("rogue-client", "rogue-ca", "intruder", "extendedKeyUsage=clientAuth\n");
  return {
    dir,
    caCert: p("ca.pem"),
    serverCert: p("server.pem"),
    serverKey: p("server-key.pem"),
    clientCert: p("client.pem"),
    clientKey: p("client-key.pem"),
    rogueCaCert: p("rogue-ca.pem"),
    rogueClientCert: p("rogue-client.pem"),
    rogueClientKey: p("rogue-client-key.pem"),
    read: (file) => readFileSync(file),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
