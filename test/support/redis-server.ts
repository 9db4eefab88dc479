import { execFile, spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, Socket } from "node:net";
import { tmpdir } from "node:os";
import { connect as tlsConnect } from "node:tls";
import { join } from "node:path";

/**
 * A real redis-server for one test file: its own free port and data folder, so no state is shared
 * between test files. `kill`/`start` let durability and outage tests stop it the hard way and bring
 * it back on the same port and data.
 */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  readonly dir: string;
  /** With `tls`: the CA certificate (PEM) that signed the server's. */
  readonly caFile?: string;
  /** Starts it again (same port, same data folder) after kill/stop. */
  start(): Promise<void>;
  /** Sends a signal (default SIGKILL) and waits for the process to exit. */
  kill(signal?: NodeJS.Signals): Promise<void>;
  /**
   * Freezes it (SIGSTOP): connections stay open and the kernel still accepts new ones, but nothing
   * answers, like a Redis stuck in a long command or behind a network black hole. `resume` thaws it.
   */
  pause(): void;
  resume(): void;
  /** Stops it and removes its data folder. */
  stop(): Promise<void>;
}

export interface RedisOptions {
  /** `appendonly yes` + `appendfsync always`: every acknowledged write is on disk. */
  durable?: boolean;
  /**
   * TLS only (no plain port): a throwaway CA and a server certificate for 127.0.0.1 are made in
   * the data folder; `url` is rediss:// and `caFile` names the CA certificate.
   */
  tls?: boolean;
  extraArgs?: string[];
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "cf-redis-"));
  let child: ChildProcess | undefined;
  const caFile = options.tls ? await makeCertificates(dir) : undefined;
  const args = [
    ...(options.tls
      ? ["--port", "0", "--tls-port", String(port), "--tls-cert-file", join(dir, "server.crt"), "--tls-key-file", join(dir, "server.key"),
         "--tls-ca-cert-file", caFile!, "--tls-auth-clients", "no"]
      : ["--port", String(port)]),
    "--bind", "127.0.0.1",
    "--dir", dir,
    "--save", "",
    "--appendonly", options.durable ? "yes" : "no",
    ...(options.durable ? ["--appendfsync", "always"] : []),
    "--logfile", "",
    "--loglevel", "warning",
    ...(options.extraArgs ?? []),
  ];
  const proc: RedisProcess = {
    port,
    url: `${options.tls ? "rediss" : "redis"}://127.0.0.1:${port}`,
    dir,
    ...(caFile ? { caFile } : {}),
    async start() {
      child = spawn("redis-server", args, { stdio: ["ignore", "ignore", "inherit"] });
      child.unref();
      if (caFile) await waitForTlsPing(port, readFileSync(caFile), 10_000);
      else await waitForPing(port, 10_000);
    },
    async kill(signal = "SIGKILL") {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        c.once("exit", () => resolve());
        c.kill(signal);
      });
    },
    pause() {
      child?.kill("SIGSTOP");
    },
    resume() {
      child?.kill("SIGCONT");
    },
    async stop() {
      proc.resume();
      await proc.kill("SIGKILL");
      rmSync(dir, { recursive: true, force: true });
    },
  };
  await proc.start();
  return proc;
}

/** A Redis Sentinel process monitoring one master under the name `mymaster`. */
export interface SentinelProcess {
  readonly port: number;
  stop(): Promise<void>;
}

/**
 * Starts `redis-server --sentinel` watching the master at `masterPort` with quorum 1 and short
 * timeouts (tests trigger failovers with SENTINEL FAILOVER rather than waiting for detection).
 */
export async function startSentinel(masterPort: number): Promise<SentinelProcess> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "cf-sentinel-"));
  const conf = join(dir, "sentinel.conf");
  writeFileSync(conf, [
    `port ${port}`,
    "bind 127.0.0.1",
    `dir ${dir}`,
    `sentinel monitor mymaster 127.0.0.1 ${masterPort} 1`,
    "sentinel down-after-milliseconds mymaster 1000",
    "sentinel failover-timeout mymaster 10000",
    "",
  ].join("\n"));
  const child = spawn("redis-server", [conf, "--sentinel", "--loglevel", "warning", "--logfile", ""], { stdio: ["ignore", "ignore", "inherit"] });
  child.unref();
  await waitForPing(port, 10_000);
  return {
    port,
    async stop() {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        });
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A Redis Cluster of `masters` real redis-server nodes (no replicas), for one test file. */
export interface RedisCluster {
  readonly nodes: readonly RedisProcess[];
  /** host:port of every node, comma-separated (REDIS_CLUSTER_NODES). */
  readonly seeds: string;
  stop(): Promise<void>;
}

/**
 * Starts `masters` cluster-enabled nodes on free ports (each with its cluster bus on another free
 * port), joins them with `redis-cli --cluster create` and waits until the cluster reports ok.
 */
export async function startRedisCluster(masters = 3): Promise<RedisCluster> {
  const nodes: RedisProcess[] = [];
  try {
    for (let i = 0; i < masters; i++) {
      nodes.push(await startRedis({
        extraArgs: ["--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-port", String(await freePort())],
      }));
    }
    const seeds = nodes.map((n) => `127.0.0.1:${n.port}`);
    await run("redis-cli", ["--cluster", "create", ...seeds, "--cluster-yes"]);
    const deadline = Date.now() + 15_000;
    for (const n of nodes) {
      while (!/cluster_state:ok/.test(await run("redis-cli", ["-p", String(n.port), "cluster", "info"]))) {
        if (Date.now() > deadline) throw new Error("the test cluster did not reach cluster_state:ok");
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    return {
      nodes,
      seeds: seeds.join(","),
      async stop() {
        await Promise.all(nodes.map((n) => n.stop()));
      },
    };
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw e;
  }
}

/** A CA and a server certificate for IP 127.0.0.1 signed by it (P-256 keys: fast to make). Returns the CA file. */
async function makeCertificates(dir: string): Promise<string> {
  const f = (name: string) => join(dir, name);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  writeFileSync(f("san.cnf"), "subjectAltName=IP:127.0.0.1\n");
  await run("openssl", ["req", "-x509", ...ec, "-keyout", f("ca.key"), "-out", f("ca.crt"), "-days", "2", "-subj", "/CN=cache-fabric test CA"]);
  await run("openssl", ["req", ...ec, "-keyout", f("server.key"), "-out", f("server.csr"), "-subj", "/CN=127.0.0.1"]);
  await run("openssl", ["x509", "-req", "-in", f("server.csr"), "-CA", f("ca.crt"), "-CAkey", f("ca.key"), "-CAcreateserial",
    "-out", f("server.crt"), "-days", "2", "-extfile", f("san.cnf")]);
  return f("ca.crt");
}

async function waitForTlsPing(port: number, ca: Buffer, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = tlsConnect({ host: "127.0.0.1", port, ca }, () => socket.write("PING\r\n"));
      const done = (v: boolean) => {
        socket.destroy();
        resolve(v);
      };
      socket.setTimeout(500, () => done(false));
      socket.once("error", () => done(false));
      socket.once("data", (d) => done(d.toString().startsWith("+PONG")));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`redis-server (TLS) on port ${port} did not start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function run(cmd: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { timeout: 20_000 }, (err, stdout, stderr) => (err ? reject(new Error(`${cmd} ${args.join(" ")}: ${stderr || err.message}`)) : resolve(stdout)));
  });
}

async function waitForPing(port: number, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ping(port)) return;
    if (Date.now() > deadline) throw new Error(`redis-server on port ${port} did not start within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once("error", () => done(false));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}
