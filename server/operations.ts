import type * as grpc from "@grpc/grpc-js";
import { ContextService } from "@cache-fabric/client/gen/context";
import { ExecutionService } from "@cache-fabric/client/gen/execution";
import { PromptService } from "@cache-fabric/client/gen/prompt";
import { SearchService } from "@cache-fabric/client/gen/search";
import type { Fabric } from "@cache-fabric/client/api";
import { ConfigError, type SettingValues } from "./config.js";
import type { AdapterHooks, CallReport, Interceptor } from "./grpc/adapter.js";
import type { Store } from "./store/types.js";
import { authenticate } from "./access/authenticate.js";
import { authorizeFabric } from "./access/authorize-fabric.js";
import { createHealth, type FabricHealth } from "./telemetry/health.js";
import { callLogger, createLogger, type Logger } from "./telemetry/logger.js";
import { createMetrics, METRIC_NAMES, serveMetrics, type FabricMetrics, type MetricsEndpoint } from "./telemetry/metrics.js";
import { rateLimiter } from "./access/rate-limit.js";
import { addReflection } from "./grpc/reflection.js";
import { ACCESS_SETTINGS } from "./access/settings.js";
import { TELEMETRY_SETTINGS } from "./telemetry/settings.js";
import { SERVER_SETTINGS } from "./settings.js";
import { serverCredentials } from "./access/tls.js";
import { loadTokenTable, type TokenTable } from "./access/tokens.js";
import { watchLimit } from "./access/watch-limit.js";

/** What operations read: access, telemetry, and whether reflection is served. */
export const OPS_SETTINGS = { ...ACCESS_SETTINGS, ...TELEMETRY_SETTINGS, reflection: SERVER_SETTINGS.reflection };

/** The operations settings as read. */
export type OpsConfig = SettingValues<typeof OPS_SETTINGS>;

/** What operations need from the rest of the server. */
export interface OpsDeps {
  /** The address gRPC will listen on: decides the authentication default. */
  listen: string;
  /** The store as created (not instrumented): health probes it. */
  store: Store;
  /** Default: a pino logger at `config.logLevel` on stdout. */
  logger?: Logger;
}

/** How the server authenticates, as decided at start. */
export type AuthDecision = { enabled: true } | { enabled: false; reason: "explicit" | "loopback-default" };

/** Operations around one server: see `createOps`. */
export interface Ops {
  readonly logger: Logger;
  readonly metrics: FabricMetrics;
  readonly auth: AuthDecision;
  readonly tokens: TokenTable;
  readonly health?: FabricHealth;
  readonly tls: "plaintext" | "tls" | "mtls";
  /** What `startFabricServer` needs from operations: credentials, interceptors and call hooks, health and reflection. */
  readonly serverOptions: {
    credentials: grpc.ServerCredentials;
    hooks: Omit<AdapterHooks, "shutdownSignal">;
    extraServices: (server: grpc.Server) => void;
  };
  /** The fabric to serve: wrapped in the authorisation layer when authentication is on. */
  serve(fabric: Fabric): Fabric;
  /** After the server is bound: health probing and the metrics endpoint start. */
  start(): Promise<void>;
  /** The metrics endpoint's address once started, when one is configured. */
  readonly metricsAddress: string | undefined;
  /** Shutdown step one: health turns NOT_SERVING, then calls are still served for `shutdownDrainMs`. */
  drain(): Promise<void>;
  /** Stops probing and the metrics endpoint. */
  close(): Promise<void>;
  /**
   * Reads the token sources again (SIGHUP in server/main.ts): rotation without a restart. Calls
   * already authenticated keep their principal; new calls see the new table. A document that no
   * longer parses, or leaves no token while authentication is on, is refused and the old table kept.
   * Returns the number of tokens now loaded.
   */
  reloadTokens(): number;
}

/** The services a healthy fabric offers, as health reports them. */
export const FABRIC_SERVICE_NAMES = [ContextService.typeName, SearchService.typeName, ExecutionService.typeName, PromptService.typeName];

/**
 * Operations and security around one fabric server, from its settings: authentication and
 * authorisation, rate and watcher limits, TLS, health, reflection, metrics and logs. server/main.ts
 * and the tests build the server the same way:
 *
 * @example
 * const ops = createOps(config, { listen: config.listen, store });
 * const fabric = createFabric({ store: ops.metrics.instrumentStore(store) });
 * const server = await startFabricServer({ fabric: ops.serve(fabric), listen: config.listen, ...ops.serverOptions });
 * await ops.start();
 * // on SIGTERM:
 * await ops.drain(); await server.shutdown(graceMs); await fabric.close(); await ops.close();
 *
 * Interceptor order: authenticate (who) → rate limit (how often; keyed by token) → watcher limit
 * (counted last, so a call refused earlier never holds a watcher slot).
 */
export function createOps(config: OpsConfig, deps: OpsDeps): Ops {
  const logger = deps.logger ?? createLogger({ level: config.logLevel });
  const sources = { file: config.authTokensFile, inline: config.authTokens };
  let table = loadTokenTable(sources);
  // What the interceptor holds: always the current table, so a reload needs no re-wiring.
  const tokens: TokenTable = {
    lookup: (secret) => table.lookup(secret),
    get size() {
      return table.size;
    },
    get principals() {
      return table.principals;
    },
  };
  const auth = decideAuth(config.auth, tokens, deps.listen);
  const { credentials, mode: tls } = serverCredentials({
    certFile: config.tlsCertFile,
    keyFile: config.tlsKeyFile,
    clientCaFile: config.tlsClientCaFile,
  });
  const metrics = createMetrics();
  const watchers = watchLimit(config.maxWatchersPerConnection);
  metrics.feedGauge(METRIC_NAMES.watchers, "Open Watch streams on this server.", () => watchers.open());
  metrics.observeHitRate(deps.store);

  const health = config.health
    ? createHealth({
        store: deps.store,
        services: FABRIC_SERVICE_NAMES,
        intervalMs: config.healthIntervalMs,
        logger,
      })
    : undefined;
  metrics.feedGauge("fabric_serving", "1 while health reports SERVING, else 0 (absent without health).", () =>
    health ? (health.serving() ? 1 : 0) : undefined,
  );

  const interceptors: Interceptor[] = [];
  if (auth.enabled) interceptors.push(authenticate(tokens));
  interceptors.push(rateLimiter({ defaults: { rps: config.rateLimitRps, burst: config.rateLimitBurst || config.rateLimitRps } }));
  interceptors.push(watchers.interceptor);

  const consumers = [watchers.onCallEnd, metrics.observeCall, callLogger(logger)];
  const onCallEnd = (report: CallReport) => {
    // Each consumer is isolated: the adapter reports from inside the call path, so a throw here must
    // never reach it.
    for (const consume of consumers) {
      try {
        consume(report);
      } catch (e) {
        logger.error({ err: e }, "call report consumer failed");
      }
    }
  };

  if (!auth.enabled) {
    const why =
      auth.reason === "explicit"
        ? " (FABRIC_AUTH=off)."
        : `: no tokens are configured and ${deps.listen} is a loopback address, which counts as local development.`;
    const message =
      `AUTHENTICATION IS OFF${why} Every caller may read and write every context. ` +
      "Configure FABRIC_AUTH_TOKENS_FILE or FABRIC_AUTH_TOKENS before serving anyone else" +
      (auth.reason === "explicit" ? "." : "; without them any other listen address refuses to start.");
    logger.warn({ auth: "off" }, message);
    // Loud even when the log level hides warnings.
    if (!logger.isLevelEnabled("warn")) process.stderr.write(`cache fabric: ${message}\n`);
  } else {
    logger.info({ auth: "on", tokens: tokens.size }, `authentication on: ${tokens.size} token(s)`);
  }
  if (tls === "plaintext" && auth.enabled && !isLoopback(deps.listen)) {
    logger.warn("bearer tokens travel in plain text: configure FABRIC_TLS_CERT_FILE/FABRIC_TLS_KEY_FILE, or terminate TLS in the mesh");
  }

  let endpoint: MetricsEndpoint | undefined;
  let drained: Promise<void> | undefined;
  return {
    logger,
    metrics,
    auth,
    tokens,
    health,
    tls,
    serverOptions: {
      credentials,
      hooks: { interceptors, onCallEnd },
      extraServices(server) {
        health?.addToServer(server);
        if (config.reflection) addReflection(server, { health: health !== undefined });
      },
    },
    serve: (fabric) => (auth.enabled ? authorizeFabric(fabric) : fabric),
    async start() {
      health?.start();
      if (config.metricsListen && !endpoint) {
        endpoint = await serveMetrics(metrics.registry, config.metricsListen);
        logger.info({ metrics: endpoint.address }, `metrics on http://${endpoint.address}/metrics`);
      }
    },
    get metricsAddress() {
      return endpoint?.address;
    },
    drain() {
      drained ??= (async () => {
        health?.shutdown();
        if (config.shutdownDrainMs > 0) await new Promise((r) => setTimeout(r, config.shutdownDrainMs));
      })();
      return drained;
    },
    async close() {
      health?.shutdown();
      await endpoint?.close();
      endpoint = undefined;
    },
    reloadTokens() {
      const next = loadTokenTable(sources);
      if (auth.enabled && next.size === 0) throw new ConfigError("token reload left no tokens: keeping the previous ones");
      table = next;
      logger.info({ tokens: next.size }, `tokens reloaded: ${next.size} token(s)`);
      return next.size;
    },
  };
}

/**
 * The authentication default. `on` needs tokens; `off` is honoured (and warned about); `auto` is on
 * whenever tokens are configured. Without tokens, `auto` serves unauthenticated only on a loopback
 * address (what `npm start` uses: local development, warned at start) and refuses to start on any
 * other, so exposing the fabric without authentication always takes an explicit FABRIC_AUTH=off.
 */
export function decideAuth(mode: OpsConfig["auth"], tokens: TokenTable, listen: string): AuthDecision {
  if (mode === "off") return { enabled: false, reason: "explicit" };
  if (tokens.size > 0) return { enabled: true };
  if (mode === "on") throw new ConfigError("FABRIC_AUTH=on: no tokens configured (set FABRIC_AUTH_TOKENS_FILE or FABRIC_AUTH_TOKENS)");
  if (isLoopback(listen)) return { enabled: false, reason: "loopback-default" };
  throw new ConfigError(
    `refusing to serve ${listen} without authentication: configure tokens (FABRIC_AUTH_TOKENS_FILE or FABRIC_AUTH_TOKENS), or set FABRIC_AUTH=off explicitly for local development`,
  );
}

/** True for addresses only this machine can reach: 127.0.0.0/8, ::1, localhost, unix sockets. */
export function isLoopback(listen: string): boolean {
  if (listen.startsWith("unix:")) return true;
  const m = /^(?:\[([^\]]*)\]|([^:]*)):\d+$/.exec(listen) ?? /^(?:\[([^\]]*)\]|(.*))$/.exec(listen);
  const host = (m?.[1] ?? m?.[2] ?? "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
