import * as grpc from "@grpc/grpc-js";
import { readFileSync } from "node:fs";
import { ConfigError } from "../config.js";

export interface TlsFiles {
  certFile?: string;
  keyFile?: string;
  /** Set: mutual TLS, every client must present a certificate signed by one of these CAs. */
  clientCaFile?: string;
}

/**
 * Server credentials from PEM files: plain text when no certificate is configured (the loopback
 * default), TLS with a certificate and key, mutual TLS when a client CA is given as well
 * (grpc-js `ServerCredentials.createSsl` with `checkClientCertificate`: a client without a
 * certificate the CA signed fails the handshake, before any call). Files are read once at start;
 * a missing or half-given pair stops the server with a message naming the setting.
 */
export function serverCredentials(files: TlsFiles): { credentials: grpc.ServerCredentials; mode: "plaintext" | "tls" | "mtls" } {
  const { certFile, keyFile, clientCaFile } = files;
  if (!certFile && !keyFile) {
    if (clientCaFile) throw new ConfigError("FABRIC_TLS_CLIENT_CA_FILE: mutual TLS needs FABRIC_TLS_CERT_FILE and FABRIC_TLS_KEY_FILE too");
    return { credentials: grpc.ServerCredentials.createInsecure(), mode: "plaintext" };
  }
  if (!certFile || !keyFile) throw new ConfigError("FABRIC_TLS_CERT_FILE and FABRIC_TLS_KEY_FILE: give both or neither");
  const cert = readPem(certFile, "FABRIC_TLS_CERT_FILE");
  const key = readPem(keyFile, "FABRIC_TLS_KEY_FILE");
  const ca = clientCaFile ? readPem(clientCaFile, "FABRIC_TLS_CLIENT_CA_FILE") : null;
  return {
    credentials: grpc.ServerCredentials.createSsl(ca, [{ cert_chain: cert, private_key: key }], ca !== null),
    mode: ca ? "mtls" : "tls",
  };
}

function readPem(path: string, setting: string): Buffer {
  let pem: Buffer;
  try {
    pem = readFileSync(path);
  } catch (e) {
    throw new ConfigError(`${setting}: cannot read ${path} (${(e as Error).message})`);
  }
  if (!pem.includes("-----BEGIN")) throw new ConfigError(`${setting}: ${path} is not PEM`);
  return pem;
}
