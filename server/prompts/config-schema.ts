import { Worker } from "node:worker_threads";
import { FabricError, type JsonValue } from "@cache-fabric/client/api";

/**
 * Checks a version's config against a caller-supplied JSON Schema, off the event loop.
 *
 * The validator is @cfworker/json-schema: an interpreter (no code generation from the caller's
 * schema, unlike ajv, whose own docs warn against untrusted schemas), no dependencies, drafts 4, 7,
 * 2019-09 and 2020-12. No validator bounds its own work, though: a `pattern` that backtracks, or
 * `$ref`-nested `anyOf`s, can take exponential time on a small schema. So checks run in one worker
 * thread, one at a time, each with a deadline; a check past it has its worker terminated (a new
 * one starts for the next check) and is refused with INVALID_ARGUMENT. The event loop never runs
 * the validator.
 */
export interface ConfigSchemaChecker {
  /** Resolves when `config` satisfies `schema`; INVALID_ARGUMENT naming the config path otherwise. */
  check(schema: { [key: string]: JsonValue }, config: { [key: string]: JsonValue }): Promise<void>;
  close(): Promise<void>;
}

export interface ConfigSchemaOptions {
  /** Longest one check may run. Default 1,000 ms. */
  timeoutMs?: number;
  /** Checks waiting at most; beyond, RESOURCE_EXHAUSTED. Default 64. */
  maxQueue?: number;
}

interface Job {
  schema: JsonValue;
  config: JsonValue;
  resolve: () => void;
  reject: (e: FabricError) => void;
}

type Reply = { valid: true } | { valid: false; location: string; error: string } | { schemaError: string };

const DRAFTS: Record<string, string> = {
  "http://json-schema.org/draft-04/schema": "4",
  "http://json-schema.org/draft-07/schema": "7",
  "https://json-schema.org/draft/2019-09/schema": "2019-09",
  "https://json-schema.org/draft/2020-12/schema": "2020-12",
};

/** The worker's whole program; it loads the validator by absolute path, so it runs the same under tsx, jest and the build. */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const { Validator } = require(${JSON.stringify(require.resolve("@cfworker/json-schema"))});
const drafts = ${JSON.stringify(DRAFTS)};
parentPort.on("message", ({ schema, config }) => {
  try {
    const id = typeof schema.$schema === "string" ? schema.$schema.replace(/#$/, "") : "";
    const result = new Validator(schema, drafts[id] || "2020-12", true).validate(config);
    if (result.valid) return parentPort.postMessage({ valid: true });
    // The deepest error names the field that broke the rule; its parents only repeat it.
    let worst = result.errors[0];
    for (const e of result.errors) if (e.instanceLocation.length >= worst.instanceLocation.length) worst = e;
    parentPort.postMessage({ valid: false, location: worst.instanceLocation, error: worst.error });
  } catch (e) {
    parentPort.postMessage({ schemaError: String((e && e.message) || e) });
  }
});
parentPort.postMessage({ ready: true });
`;

export function createConfigSchemaChecker(options: ConfigSchemaOptions = {}): ConfigSchemaChecker {
  const timeoutMs = options.timeoutMs ?? 1000;
  const maxQueue = options.maxQueue ?? 64;
  const queue: Job[] = [];
  let worker: Worker | undefined;
  let ready = false;
  let running: { job: Job; timer: NodeJS.Timeout } | undefined;
  let closed = false;

  const spawn = () => {
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.unref();
    ready = false;
    w.on("message", (m: Reply | { ready: true }) => {
      if (w !== worker) return;
      if ("ready" in m) {
        ready = true;
        pump();
        return;
      }
      const current = running;
      if (!current) return;
      clearTimeout(current.timer);
      running = undefined;
      if ("schemaError" in m) current.job.reject(FabricError.invalid("config_schema", `is not a usable JSON Schema (${m.schemaError})`));
      else if (m.valid) current.job.resolve();
      else current.job.reject(FabricError.invalid(pathOf(m.location), `does not satisfy config_schema: ${m.error}`));
      pump();
    });
    w.on("error", (e) => fail(w, new FabricError("INTERNAL", "config schema worker failed", { cause: e })));
    w.on("exit", () => fail(w, new FabricError("INTERNAL", "config schema worker exited")));
    worker = w;
  };

  /** The worker is gone: fail what it was running and start afresh for the rest. */
  const fail = (w: Worker, error: FabricError) => {
    if (w !== worker) return;
    worker = undefined;
    ready = false;
    if (running) {
      clearTimeout(running.timer);
      running.job.reject(error);
      running = undefined;
    }
    pump();
  };

  const pump = () => {
    if (closed || running || queue.length === 0) return;
    if (!worker) spawn();
    if (!ready) return;
    const job = queue.shift()!;
    const w = worker!;
    const timer = setTimeout(() => {
      // Terminate first, so the exit event (ignored: `worker` no longer names it) cannot fail the next job.
      worker = undefined;
      ready = false;
      running = undefined;
      void w.terminate();
      job.reject(
        FabricError.invalid(
          "config_schema",
          `checking took longer than ${timeoutMs} ms; simplify the schema (backtracking patterns, deeply nested anyOf/oneOf)`,
        ),
      );
      pump();
    }, timeoutMs);
    running = { job, timer };
    w.postMessage({ schema: job.schema, config: job.config });
  };

  return {
    check(schema, config) {
      if (closed) return Promise.reject(new FabricError("UNAVAILABLE", "the fabric is closing"));
      if (queue.length >= maxQueue) {
        return Promise.reject(new FabricError("RESOURCE_EXHAUSTED", `more than ${maxQueue} config schema checks are waiting; retry`));
      }
      return new Promise<void>((resolve, reject) => {
        queue.push({ schema, config, resolve, reject });
        pump();
      });
    },
    async close() {
      closed = true;
      const w = worker;
      worker = undefined;
      if (running) {
        clearTimeout(running.timer);
        running.job.reject(new FabricError("UNAVAILABLE", "the fabric is closing"));
        running = undefined;
      }
      for (const job of queue.splice(0)) job.reject(new FabricError("UNAVAILABLE", "the fabric is closing"));
      await w?.terminate();
    },
  };
}

/** "#/tools/0/name" → "config.tools[0].name" (the field in the request). */
function pathOf(location: string): string {
  const parts = location
    .replace(/^#\/?/, "")
    .split("/")
    .filter((p) => p !== "");
  let path = "config";
  for (const raw of parts) {
    const p = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    path += /^\d+$/.test(p) ? `[${p}]` : `.${p}`;
  }
  return path;
}
