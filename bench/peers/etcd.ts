/**
 * A private etcd (Debian's etcd-server, /usr/bin/etcd) for the peer benchmark: its own free client
 * and peer ports and a temporary data folder, removed on stop. Single member, default settings
 * (fsync on every commit, group commit under load), so its figures are what an operator's etcd gives.
 */
import { create } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { grpcMethodDefinition } from "@cache-fabric/client/wire";
import { freePort } from "../../test/support/redis-server.js";
import { etcd } from "./etcd-proto.js";

export interface EtcdProcess {
  /** host:port of the client (gRPC) listener. */
  readonly address: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export async function startEtcd(): Promise<EtcdProcess> {
  const [clientPort, peerPort] = [await freePort(), await freePort()];
  const dir = mkdtempSync(join(tmpdir(), "cf-etcd-"));
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child: ChildProcess = spawn(
    "etcd",
    [
      "--name",
      "bench",
      "--data-dir",
      dir,
      "--listen-client-urls",
      client,
      "--advertise-client-urls",
      client,
      "--listen-peer-urls",
      peer,
      "--initial-advertise-peer-urls",
      peer,
      "--initial-cluster",
      `bench=${peer}`,
      "--logger",
      "zap",
      "--log-level",
      "error",
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  // grpc-go warns on every stream a load generator leaves open at its end: keep the tail for errors only.
  let stderr = "";
  child.stderr!.on("data", (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const address = `127.0.0.1:${clientPort}`;
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const probe = createEtcdClient(address);
  try {
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        await probe.range("bench:probe", true);
        break;
      } catch (e) {
        if (Date.now() > deadline || child.exitCode !== null) throw new Error(`etcd did not start: ${(e as Error).message}\n${stderr}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  } catch (e) {
    await stop();
    throw e;
  } finally {
    probe.close();
  }
  return { address, pid: child.pid!, stop };
}

/** A minimal etcd v3 client over grpc-js: Range, Put, and one Watch stream per call to `watch`. */
export interface EtcdClient {
  range(key: string, serializable: boolean): Promise<Record<string, unknown>>;
  put(key: string, value: string): Promise<Record<string, unknown>>;
  /** Opens a Watch stream with one watch on `key`; `onEvent` gets each event's value; resolves once created. */
  watch(key: string, onValue: (value: string) => void): Promise<{ cancel(): void }>;
  close(): void;
}

export function createEtcdClient(address: string, channelOptions: grpc.ChannelOptions = {}): EtcdClient {
  const client = new grpc.Client(address, grpc.credentials.createInsecure(), channelOptions);
  const unary = (method: typeof etcd.range, request: Record<string, unknown>) => {
    const def = grpcMethodDefinition(method);
    return new Promise<Record<string, unknown>>((resolve, reject) =>
      client.makeUnaryRequest(
        def.path,
        def.requestSerialize,
        def.responseDeserialize,
        create(method.input, request),
        new grpc.Metadata(),
        { deadline: Date.now() + 10_000 },
        (e, r) => (e ? reject(e) : resolve(r as Record<string, unknown>)),
      ),
    );
  };
  const bytes = (s: string) => new TextEncoder().encode(s);
  const text = new TextDecoder();
  return {
    range: (key, serializable) => unary(etcd.range, { key: bytes(key), serializable }),
    put: (key, value) => unary(etcd.put, { key: bytes(key), value: bytes(value) }),
    watch(key, onValue) {
      const def = grpcMethodDefinition(etcd.watch);
      const call = client.makeBidiStreamRequest(def.path, def.requestSerialize, def.responseDeserialize, new grpc.Metadata());
      return new Promise((resolve, reject) => {
        call.on("data", (m: { created: boolean; events: { kv?: { value: Uint8Array } }[] }) => {
          if (m.created) resolve({ cancel: () => call.cancel() });
          for (const e of m.events) if (e.kv) onValue(text.decode(e.kv.value));
        });
        call.on("error", (e: grpc.ServiceError) => {
          if (e.code !== grpc.status.CANCELLED) reject(e);
        });
        call.write(create(etcd.WatchRequest, { createRequest: { key: bytes(key) } }));
      });
    },
    close: () => client.close(),
  };
}
