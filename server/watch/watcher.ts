import type { WatchMessage } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import type { WatchFilter } from "./watch-filter.js";

/** What the hub gives a watcher: its filter and bounds, and the hooks back into the hub. */
export interface WatcherOptions {
  filter: WatchFilter;
  prevContext: boolean;
  /** Most messages queued for the consumer; one more ends the watcher with ABORTED. */
  capacity: number;
  progressIntervalMs: number;
  signal?: AbortSignal;
  /** Called once, when the watcher leaves the hub (finished, failed, cancelled or returned). */
  onDetach: (watcher: Watcher) => void;
  /** The progress message for an idle synced watcher: the revision up to which it has been sent everything. */
  progress: (watcher: Watcher) => WatchMessage;
}

/** open: offered changes; draining: finished, handing out what is queued; ended: nothing left. */
type State = "open" | "draining" | "ended";

/**
 * One watch's end of the hub: a bounded FIFO of messages and the async iterator its consumer pulls.
 *
 * Invariants:
 * - `cursor` only grows; every matching change with revision <= cursor has been queued (or already
 *   handed over) and none above it has. Synced watchers skip non-matching changes without moving it:
 *   their resume point is max(cursor, the hub's head) whenever their queue is empty.
 * - At most `capacity` messages are queued. The hub never waits for room: a push beyond it ends the
 *   watcher with ABORTED and drops its queue, so a stalled consumer costs at most `capacity` messages
 *   (which share their event objects with every other watcher of the same change).
 * - Once detached (`onDetach` called) the hub no longer offers it anything; a detached watcher still
 *   hands its remaining queue to the consumer when it ended by `finish()`.
 */
export class Watcher implements AsyncIterableIterator<WatchMessage> {
  readonly filter: WatchFilter;
  readonly prevContext: boolean;
  readonly capacity: number;
  cursor = 0;
  /** The history `cursor` belongs to (the hub's when the watcher registered). */
  storeId = "";
  /** Synced watchers receive live changes from the hub; unsynced ones are still reading history. */
  synced = false;

  private queue: WatchMessage[] = [];
  private head = 0;
  private state: State = "open";
  private error: FabricError | undefined;
  private consumer: { resolve: (r: IteratorResult<WatchMessage>) => void; reject: (e: unknown) => void } | undefined;
  private roomWaiter: (() => void) | undefined;
  private detached = false;
  /** Something was queued since the last progress tick. */
  private active = true;
  private readonly timer: NodeJS.Timeout;
  private readonly options: WatcherOptions;
  private readonly onAbort = () => this.close();

  constructor(options: WatcherOptions) {
    this.options = options;
    this.filter = options.filter;
    this.prevContext = options.prevContext;
    this.capacity = options.capacity;
    this.timer = setInterval(() => this.tick(), options.progressIntervalMs);
    this.timer.unref();
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
    if (options.signal?.aborted) this.close();
  }

  /** Messages waiting for the consumer. */
  get queued(): number {
    return this.queue.length - this.head;
  }

  get open(): boolean {
    return this.state === "open";
  }

  /**
   * Queues a message for the consumer, or hands it straight over when the consumer is waiting.
   * Returns false when the queue was full: the watcher has then been ended with ABORTED.
   */
  push(message: WatchMessage): boolean {
    if (this.state !== "open") return false;
    this.active = true;
    if (this.consumer) {
      const { resolve } = this.consumer;
      this.consumer = undefined;
      resolve({ value: message, done: false });
      return true;
    }
    if (this.queued >= this.capacity) {
      this.fail(
        new FabricError(
          "ABORTED",
          `watcher fell behind: more than ${this.capacity} messages queued; resume from the last revision received`,
        ),
      );
      return false;
    }
    this.queue.push(message);
    return true;
  }

  /** No more messages: the consumer gets what is queued, then the end of the stream. */
  finish(): void {
    if (this.state !== "open") return;
    this.state = "draining";
    this.detach();
    if (this.consumer) this.settle();
  }

  /** Ends the watcher with `error` (thrown to the consumer at its next pull); queued messages are dropped. */
  fail(error: FabricError): void {
    if (this.state === "ended") return;
    this.error = error;
    this.end();
  }

  /** Ends the watcher quietly (cancelled, aborted, returned); queued messages are dropped. */
  close(): void {
    if (this.state === "ended") return;
    this.end();
  }

  /** Resolves when the queue is at most half full (or the watcher ended): history reads wait on it. */
  room(): Promise<void> {
    if (this.state !== "open" || this.queued <= this.capacity / 2) return Promise.resolve();
    return new Promise((resolve) => {
      this.roomWaiter = resolve;
    });
  }

  next(): Promise<IteratorResult<WatchMessage>> {
    if (this.queued > 0) {
      const value = this.queue[this.head];
      this.queue[this.head++] = undefined as never;
      if (this.head > 64 && this.head * 2 >= this.queue.length) {
        this.queue = this.queue.slice(this.head);
        this.head = 0;
      }
      if (this.roomWaiter && this.queued <= this.capacity / 2) this.wakeRoom();
      return Promise.resolve({ value, done: false });
    }
    if (this.state !== "open") return this.takeEnd();
    if (this.consumer) return Promise.reject(new FabricError("INTERNAL", "watch iterator pulled concurrently"));
    return new Promise((resolve, reject) => {
      this.consumer = { resolve, reject };
    });
  }

  return(): Promise<IteratorResult<WatchMessage>> {
    this.close();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private tick(): void {
    if (this.state !== "open" || !this.synced) return;
    if (this.active) {
      this.active = false;
      return;
    }
    if (this.queued === 0) {
      this.push(this.options.progress(this));
      this.active = false;
    }
  }

  private end(): void {
    this.state = "ended";
    this.queue = [];
    this.head = 0;
    this.detach();
    this.settle();
  }

  /** Wakes a waiting consumer (the queue is empty when one waits) with the end of the stream. */
  private settle(): void {
    this.wakeRoom();
    const consumer = this.consumer;
    if (!consumer) return;
    this.consumer = undefined;
    this.takeEnd().then(consumer.resolve, consumer.reject);
  }

  /** The stream's end for the consumer: the error once, then done. */
  private takeEnd(): Promise<IteratorResult<WatchMessage>> {
    const error = this.error;
    this.error = undefined;
    return error ? Promise.reject(error) : Promise.resolve({ value: undefined, done: true });
  }

  private detach(): void {
    if (this.detached) return;
    this.detached = true;
    clearInterval(this.timer);
    this.options.signal?.removeEventListener("abort", this.onAbort);
    this.options.onDetach(this);
  }

  private wakeRoom(): void {
    const waiter = this.roomWaiter;
    this.roomWaiter = undefined;
    waiter?.();
  }
}
