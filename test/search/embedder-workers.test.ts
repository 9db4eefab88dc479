/**
 * The embedder runs the model in worker threads, never on the event loop: no model run happens on
 * the calling thread, the loop keeps turning through a long embed, a worker that dies fails only its
 * batch (UNAVAILABLE) and is replaced, and close leaves no thread behind. Real model, real threads.
 */
import { getPriority } from "node:os";
import { createEmbedder, modelRunsInThisThread, type OnnxEmbedder } from "../../server/search/embed/index.js";
import { eventually } from "../support/harness.js";

const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, x, i) => Math.max(m, Math.abs(x - b[i]!)), 0);

/** Texts of ~120 tokens each, so a batch of them takes the model a while. */
const longTexts = (n: number): string[] =>
  Array.from(
    { length: n },
    (_, i) =>
      `Ticket ${i}: the customer reports that the checkout page times out after they enter a discount code, ` +
      `and the support agent asks for the order number, the browser version and a screenshot of the error. ` +
      `They reply that it happens on every device, that the code was sent by email last week, and that ` +
      `the basket holds ${i % 9} items worth about ${(i * 37) % 500} euros including shipping to another country.`,
  );

describe("embedder worker threads", () => {
  const open: OnnxEmbedder[] = [];
  const make = async (options: Parameters<typeof createEmbedder>[0] = {}): Promise<OnnxEmbedder> => {
    const e = await createEmbedder(options);
    open.push(e);
    return e;
  };
  afterAll(async () => {
    await Promise.all(open.map((e) => e.close()));
  });

  it("runs every model run in a worker: none on this thread, and the event loop keeps turning", async () => {
    const e = await make();
    const before = modelRunsInThisThread();
    const texts = longTexts(256);

    // A ticker on this thread: while the model works elsewhere, it keeps firing.
    let ticks = 0;
    let last = performance.now();
    let maxGap = 0;
    const ticker = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      ticks++;
    }, 1);
    const started = performance.now();
    const vectors = await e.embed(texts);
    const took = performance.now() - started;
    clearInterval(ticker);

    expect(vectors).toHaveLength(256);
    expect(vectors.every((v) => v instanceof Float32Array && v.length === 512)).toBe(true);
    // Structural: the model ran (in the workers) as many times as there were batches, and not once here.
    expect(modelRunsInThisThread()).toBe(before);
    expect(e.workerStats().runs).toBe(e.runCount);
    expect(e.runCount).toBeGreaterThanOrEqual(256 / 32);
    // Relative, not absolute: with the model on this thread, one batch would hold the loop for its
    // whole run (about an eighth of `took`, 8 batches). The loop never paused for a quarter of it.
    expect(ticks).toBeGreaterThan(10);
    expect(maxGap).toBeLessThan(took / 4);
  });

  it("lowers the worker threads' priority, not the event loop's", async () => {
    const e = await make({ nice: 7 });
    expect(e.workerStats().nice).toBe(7);
    expect(getPriority(0)).toBe(0);
  });

  it("a worker that dies fails only the batch it held, with UNAVAILABLE, and is replaced", async () => {
    const e = await make();
    const [reference] = await e.embed(["How do I reset my password?"]);
    // Ten batches in a row: the worker is surely inside one of them when it is killed.
    const doomed = e.embed(longTexts(320));
    const outcome = doomed.then(
      () => "resolved",
      (err: { code?: string; message?: string }) => err,
    );
    await eventually(() => e.workerStats().busy === 1, "a batch in flight");
    await e.crashWorker(0);
    const err = await outcome;
    expect(err).toMatchObject({ code: "UNAVAILABLE", message: expect.stringMatching(/embedder worker 0 stopped: crash requested.*restarted/) });

    await eventually(() => e.workerStats().ready === 1, "the worker restarted", 30_000);
    expect(e.workerStats()).toMatchObject({ restarts: 1, alive: 1, busy: 0 });
    const [again] = await e.embed(["How do I reset my password?"]);
    expect(maxDiff(again!, reference!)).toBeLessThan(1e-6);
  });

  it("while no worker can run (one that keeps dying waits before its restart), calls fail fast with UNAVAILABLE", async () => {
    const e = await make();
    await e.crashWorker(0); // restarted at once
    await eventually(() => e.workerStats().ready === 1, "the first restart", 30_000);
    await e.crashWorker(0); // died again before any batch: the next restart waits 100 ms
    await expect(e.embed(["anyone there?"])).rejects.toMatchObject({ code: "UNAVAILABLE", message: expect.stringMatching(/no embedder worker is running/) });
    await eventually(() => e.workerStats().ready === 1, "the second restart", 30_000);
    await expect(e.embed(["anyone there?"])).resolves.toHaveLength(1);
    expect(e.workerStats().restarts).toBe(2);
  });

  it("runs one batch per worker at once with several workers", async () => {
    const e = await make({ workers: 2, threads: 1 });
    let maxBusy = 0;
    const watch = setInterval(() => (maxBusy = Math.max(maxBusy, e.workerStats().busy)), 1);
    const [a, b] = await Promise.all([e.embed(longTexts(64)), e.embed(longTexts(64).reverse())]);
    clearInterval(watch);
    expect(maxBusy).toBe(2);
    expect(maxDiff(a[0]!, b[63]!)).toBeLessThan(1e-5);
    expect(e.workerStats()).toMatchObject({ workers: 2, ready: 2, alive: 2 });
  });

  it("close lets the batch in flight finish, then every worker thread exits", async () => {
    const e = await createEmbedder({ workers: 2, threads: 1 });
    const inFlight = e.embed(longTexts(32));
    await eventually(() => e.workerStats().busy === 1, "a batch in flight");
    await e.close();
    await expect(inFlight).resolves.toHaveLength(32);
    expect(e.workerStats()).toMatchObject({ ready: 0, busy: 0, alive: 0 });
    await expect(e.embed(["late"])).rejects.toMatchObject({ code: "UNAVAILABLE" });
  });

  it("fails start-up with the reason when the model cannot load", async () => {
    await expect(createEmbedder({ modelDir: "/nonexistent/model/dir" })).rejects.toThrow(/nonexistent/);
  });
});
