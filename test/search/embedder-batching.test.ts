/**
 * Dynamic batching on the real bundled model: concurrent calls share model runs and get the same
 * vectors as alone; the queue is bounded with RESOURCE_EXHAUSTED; closing and bad input behave.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { FabricError } from "@cache-fabric/client/api";
import { createEmbedder } from "../../server/search/embed/index.js";

type Embedder = Awaited<ReturnType<typeof createEmbedder>>;

const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

const SUBJECTS = ["my password", "the invoice", "a refund", "the weather", "our API", "the deployment", "a meeting", "the cache"];
const VERBS = ["How do I change", "Why did you reject", "Can someone explain", "Please describe", "I cannot find"];
const texts = Array.from({ length: 100 }, (_, i) => `${VERBS[i % VERBS.length]} ${SUBJECTS[(i * 7) % SUBJECTS.length]} (case ${i})?`);

describe("embedder batching", () => {
  const cacheDir = mkdtempSync(path.join(tmpdir(), "fabric-model-cache-"));
  const open: Embedder[] = [];
  const make = async (options: Parameters<typeof createEmbedder>[0] = {}): Promise<Embedder> => {
    const e = await createEmbedder({ cacheDir, ...options });
    open.push(e);
    return e;
  };

  afterAll(async () => {
    await Promise.all(open.map((e) => e.close()));
    rmSync(cacheDir, { recursive: true, force: true });
  });

  it("gives 100 concurrent calls the same vectors as one by one, in far fewer runs", async () => {
    const e = await make();
    const alone: Float32Array[] = [];
    for (const t of texts) alone.push((await e.embed([t]))[0]!);
    expect(e.runCount).toBe(100);

    const before = e.runCount;
    const together = await Promise.all(texts.map((t) => e.embed([t])));
    const runs = e.runCount - before;
    expect(runs).toBeLessThan(100);
    expect(runs).toBeGreaterThanOrEqual(Math.ceil(100 / 32));
    together.forEach(([v], i) => expect(maxDiff(v!, alone[i]!)).toBeLessThan(1e-5));
  });

  it("keeps each call's results in input order when calls are split across batches", async () => {
    const e = await make({ maxBatch: 4 });
    const single = await Promise.all(texts.slice(0, 10).map(async (t) => (await e.embed([t]))[0]!));
    const [a, b] = await Promise.all([e.embed(texts.slice(0, 7)), e.embed(texts.slice(7, 10))]);
    [...a, ...b].forEach((v, i) => expect(maxDiff(v, single[i]!)).toBeLessThan(1e-5));
  });

  it("rejects calls past the queue bound with RESOURCE_EXHAUSTED and serves the rest", async () => {
    // A long window and a batch larger than the queue: nothing runs while the test fills the queue.
    const e = await make({ maxQueue: 8, maxBatch: 32, batchWindowMs: 200 });
    const accepted = texts.slice(0, 8).map((t) => e.embed([t]));
    expect(e.pendingCount).toBe(8);

    const overflow = e.embed(["one too many"]);
    await expect(overflow).rejects.toBeInstanceOf(FabricError);
    await expect(overflow).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
    // A call is admitted whole or not at all: nothing of the rejected call was queued.
    expect(e.pendingCount).toBe(8);

    const results = await Promise.all(accepted);
    expect(results.every(([v]) => v instanceof Float32Array && v.length === 512)).toBe(true);
    expect(e.pendingCount).toBe(0);
    // Room again once the queue drained; a single call larger than the bound never fits.
    await expect(e.embed(["fits now"])).resolves.toHaveLength(1);
    await expect(e.embed(texts.slice(0, 9))).rejects.toMatchObject({ code: "RESOURCE_EXHAUSTED" });
  });

  it("answers an empty call without a model run", async () => {
    const e = await make();
    const runs = e.runCount;
    await expect(e.embed([])).resolves.toEqual([]);
    expect(e.runCount).toBe(runs);
  });

  it("rejects non-string input with INVALID_ARGUMENT naming the element", async () => {
    const e = await make();
    await expect(e.embed(["ok", 42 as unknown as string])).rejects.toMatchObject({ code: "INVALID_ARGUMENT", message: expect.stringContaining("texts[1]") });
  });

  it("rejects bad settings", async () => {
    await expect(createEmbedder({ cacheDir, maxBatch: 0 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(createEmbedder({ cacheDir, threads: 1.5 })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  it("fails queued calls with UNAVAILABLE on close and refuses new ones", async () => {
    const e = await createEmbedder({ cacheDir, batchWindowMs: 1000 });
    const queued = expect(e.embed(["waiting"])).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await e.close();
    await queued;
    await expect(e.embed(["late"])).rejects.toMatchObject({ code: "UNAVAILABLE" });
    await e.close(); // idempotent
  });
});
