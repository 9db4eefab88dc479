import * as grpc from "@grpc/grpc-js";
import { readFileSync } from "node:fs";

/** PEM text, as a string or the bytes of a file. */
export type Pem = string | Buffer;

export interface TlsOptions {
  /** CA certificate(s) that signed the server's certificate. Absent: the system's trusted roots. */
  ca?: Pem;
  /** Client certificate chain, for mutual TLS (with `key`). */
  cert?: Pem;
  /** Client private key, for mutual TLS (with `cert`). */
  key?: Pem;
}

/**
 * Channel credentials for a fabric server speaking TLS, or mutual TLS when `cert` and `key` are
 * given: the counterpart of the server's FABRIC_TLS_* settings, for `FabricClient`'s `credentials`.
 *
 * To check the certificate against another name than the dialed host, add the channel option
 * `channelOptions: { "grpc.ssl_target_name_override": "fabric.internal" }`.
 *
 * @example
 * const fabric = new FabricClient({
 *   address: "fabric.internal:50051",
 *   token: process.env.FABRIC_TOKEN,
 *   credentials: tlsCredentials({ ca: readFileSync("ca.pem"), cert: readFileSync("client.pem"), key: readFileSync("client-key.pem") }),
 * });
 */
export function tlsCredentials(options: TlsOptions = {}): grpc.ChannelCredentials {
  if ((options.cert === undefined) !== (options.key === undefined)) {
    throw new TypeError("tlsCredentials: mutual TLS needs both cert and key");
  }
  return grpc.credentials.createSsl(
    options.ca === undefined ? null : Buffer.from(options.ca),
    options.key === undefined ? null : Buffer.from(options.key),
    options.cert === undefined ? null : Buffer.from(options.cert),
  );
}

/** `tlsCredentials` from PEM files (what the CLI's `--tls-ca`, `--tls-cert`, `--tls-key` take). */
export function tlsCredentialsFromFiles(files: { ca?: string; cert?: string; key?: string }): grpc.ChannelCredentials {
  const read = (path: string | undefined) => (path === undefined ? undefined : readFileSync(path));
  return tlsCredentials({ ca: read(files.ca), cert: read(files.cert), key: read(files.key) });
}
