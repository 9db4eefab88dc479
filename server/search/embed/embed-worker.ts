/**
 * A model worker: one onnxruntime session in its own thread. onnxruntime-node's `session.run`
 * blocks its thread for the whole inference (microsoft/onnxruntime#19611), and tokenising a batch
 * (and chunking documents, which needs the tokenizer) costs milliseconds too, so all of it happens
 * here and the server's event loop only posts texts and receives vectors (transferred, not copied).
 *
 * Protocol (worker-protocol.ts): `ready` once the model is loaded (or `load-failed`); then one
 * `embedded` or `failed` answer per `embed` request, in order; `close` releases the session, answers
 * `closed` and ends the thread; `crash` throws an uncaught error once the thread is free.
 *
 * The pool never calls `Worker.terminate()` on a worker that may be inside `session.run`: tearing
 * the thread down under a native call aborts the whole process (onnxruntime-node throws a C++
 * exception nobody catches). Hence the cooperative `crash`.
 */
import { setPriority } from "node:os";
import { parentPort, workerData } from "node:worker_threads";
import { chunkOverlap, chunkText } from "./chunker.js";
import { type EmbeddingModel, modelRunsInThisThread } from "./embedding-model.js";
import { loadSentenceTransformerModel } from "./sentence-transformer-model.js";
import { loadUseLiteModel } from "./use-lite-model.js";
import type { FromWorker, ToWorker, WorkerInit } from "./worker-protocol.js";

const port = parentPort;
if (!port) throw new Error("embed-worker.ts runs as a worker thread (see worker-pool.ts)");
const init = workerData as WorkerInit;
const post = (m: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(m, transfer);

/** Lowers this thread's priority before the session (and so its thread pool) exists. */
function lowerPriority(nice: number): number {
  if (nice <= 0) return 0;
  try {
    // Thread 0 = the calling thread; on Linux niceness is per thread and inherited by new threads.
    setPriority(0, nice);
    return nice;
  } catch {
    return 0; // not permitted here (some sandboxes): run at normal priority
  }
}

async function load(): Promise<EmbeddingModel> {
  const m = init.model;
  return m.kind === "use-lite"
    ? loadUseLiteModel({ modelPath: m.modelPath, vocabPath: m.vocabPath, modelId: m.modelId, intraOpThreads: init.intraOpThreads })
    : loadSentenceTransformerModel({ modelDir: m.modelDir, intraOpThreads: init.intraOpThreads });
}

async function main(): Promise<void> {
  const nice = lowerPriority(init.nice);
  let model: EmbeddingModel;
  try {
    model = await load();
  } catch (e) {
    post({ type: "load-failed", message: (e as Error).message ?? String(e) });
    return;
  }
  // Requests are answered one at a time, in order: the session is not re-entrant and the pool
  // sends a worker one batch at a time anyway.
  let chain = Promise.resolve();
  port!.on("message", (m: ToWorker) => {
    if (m.type === "crash") {
      setImmediate(() => {
        throw new Error("crash requested (WorkerPool.crashWorker)");
      });
      return;
    }
    chain = chain.then(async () => {
      if (m.type === "close") {
        await model.release().catch(() => undefined);
        post({ type: "closed" });
        port!.close();
        return;
      }
      try {
        const { window } = model;
        const options = { window, overlap: chunkOverlap(window, init.chunking.overlap), maxChunks: init.chunking.maxChunks };
        const counts: number[] = [];
        const spans: number[] = [];
        const texts: string[] = [];
        for (const item of m.items) {
          const parts = item.chunk ? chunkText(item.text, model.countTokens, options) : [[0, item.text.length] as [number, number]];
          counts.push(parts.length);
          for (const [start, end] of parts) {
            spans.push(start, end);
            texts.push(parts.length === 1 ? item.text : item.text.slice(start, end));
          }
        }
        const buffers: ArrayBuffer[] = [];
        for (let i = 0; i < texts.length; i += init.maxRows) {
          // Each vector is its own copy (the models slice), so its buffer can be handed over whole.
          for (const v of await model.embedBatch(texts.slice(i, i + init.maxRows))) {
            buffers.push((v.byteOffset === 0 && v.byteLength === v.buffer.byteLength ? v.buffer : v.slice().buffer) as ArrayBuffer);
          }
        }
        post({ type: "embedded", id: m.id, vectors: buffers, counts, spans, runs: modelRunsInThisThread() }, buffers);
      } catch (e) {
        post({ type: "failed", id: m.id, message: (e as Error).message ?? String(e) });
      }
    });
  });
  post({ type: "ready", modelId: model.modelId, dimension: model.dimension, window: model.window, nice });
}

void main();
