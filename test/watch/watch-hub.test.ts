import { createFabric } from "../../server/fabric.js";
import { createMemoryStore } from "../../server/store/memory.js";
import type { ChangeEvent, ChangeListener, Store } from "../../server/store/types.js";
import { collect, range, watchStats } from "./watch-support.js";

/**
 * A real memory store whose change feed misbehaves the way a remote feed can (a Redis stream reader
 * that starts late, drops a batch across a reconnect, or delivers twice): the hub must still hand
 * every watcher every change once, in order, filling gaps from `changesSince`.
 */
function unreliableFeed(store: Store, deliver: (events: readonly ChangeEvent[], n: number) => "drop" | "twice" | "hold" | "ok") {
  let subscriptions = 0;
  const held: (readonly ChangeEvent[])[] = [];
  const wrapped: Store = Object.assign(Object.create(store) as Store, {
    subscribe(listener: ChangeListener) {
      subscriptions++;
      let n = 0;
      return store.subscribe((events) => {
        const verdict = deliver(events, ++n);
        if (verdict === "hold") return void held.push(events);
        if (verdict === "drop") return;
        listener(events);
        if (verdict === "twice") listener(events);
        for (const h of held.splice(0)) listener(h); // late, out of order
      });
    },
  });
  return { store: wrapped, subscriptions: () => subscriptions };
}

describe("WatchHub", () => {
  test("one feed subscription per fabric, however many watchers", async () => {
    const feed = unreliableFeed(createMemoryStore(), () => "ok");
    const fabric = createFabric({ store: feed.store });
    const watches = Array.from({ length: 50 }, (_, i) => collect(fabric.watch({ key: `k${i % 5}`, resume: false })));
    for (const w of watches) await w.until((c) => c.messages.length > 0, "created");
    await fabric.setContext({ key: "k1", value: 1 });
    for (const w of watches.filter((_, i) => i % 5 === 1)) await w.reach(1);
    expect(feed.subscriptions()).toBe(1);
    expect(watchStats(fabric)).toEqual({ watchers: 50, synced: 50, revision: 1, storeId: (await fabric.stats()).storeId });
    await fabric.close();
    for (const w of watches) await w.finished;
    expect(watches.every((w) => (w.error as { code?: string })?.code === "UNAVAILABLE")).toBe(true);
  });

  test("gaps, duplicates and late batches in the feed: every change once, in order, filled from history", async () => {
    const feed = unreliableFeed(createMemoryStore(), (_, n) => (n % 7 === 3 ? "drop" : n % 5 === 0 ? "twice" : n % 11 === 4 ? "hold" : "ok"));
    const fabric = createFabric({ store: feed.store });
    const all = collect(fabric.watch({ resume: false }));
    const some = collect(fabric.watch({ prefix: "a", prevContext: true, resume: false }));
    await all.until((c) => c.messages.length > 0, "created");
    for (let i = 1; i <= 200; i++) {
      await fabric.setContext({ key: `${i % 2 ? "a" : "b"}${i % 4}`, value: i });
      // A late joiner resuming mid-stream, while the feed misbehaves.
      if (i === 120) var late = collect(fabric.watch({ startRevision: 100, resume: false }));
    }
    // The hub only learns of a dropped tail from the next change; one more write flushes it.
    await fabric.setContext({ key: "b0", value: "flush" });
    await all.reach(201);
    await late!.reach(201);
    expect(all.events().map((e) => e.revision)).toEqual(range(1, 201));
    expect(late!.events().map((e) => e.revision)).toEqual(range(101, 201));
    expect(some.events().map((e) => e.revision)).toEqual(range(1, 200).filter((r) => r % 2 === 1));
    expect(some.events().slice(2).every((e) => e.prevContext?.revision === e.revision - 4)).toBe(true);
    await fabric.close();
  });

  test("a feed that starts late: changes made before it delivers anything still reach a live watcher", async () => {
    const feed = unreliableFeed(createMemoryStore(), (_, n) => (n <= 3 ? "drop" : "ok"));
    const fabric = createFabric({ store: feed.store });
    const w = collect(fabric.watch({ resume: false }));
    await w.until((c) => c.messages.length > 0, "created");
    for (let i = 1; i <= 5; i++) await fabric.setContext({ key: "k", value: i });
    await w.reach(5);
    expect(w.events().map((e) => e.context?.value)).toEqual([1, 2, 3, 4, 5]);
    await fabric.close();
  });

  test("a stalled in-process watcher costs at most its queue bound and is ended with ABORTED", async () => {
    const fabric = createFabric({ store: createMemoryStore({ historySize: 100_000 }), watch: { queueSize: 32 } });
    const stalled = fabric.watch({ prefix: "x", resume: false })[Symbol.asyncIterator]();
    const reader = collect(fabric.watch({ prefix: "x", resume: false }));
    await reader.until((c) => c.messages.length > 0, "created");
    for (let i = 1; i <= 5000; i++) await fabric.setContext({ key: `x${i % 10}`, value: i });
    expect(watchStats(fabric).watchers).toBe(1);
    await reader.reach(5000);
    // Nothing of what it missed is kept for it: its next pull is the status to resync.
    await expect(stalled.next()).rejects.toMatchObject({ code: "ABORTED" });
    expect(await stalled.next()).toEqual({ value: undefined, done: true });
    await fabric.close();
  });
});
