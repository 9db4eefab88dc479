import { contextFromPb, scopeToPb } from "../wire/convert.js";
import { FabricError } from "../api/errors.js";
import { ContextService } from "../gen/cachefabric/v1/context_pb.js";
import { resumableWatch, type ReadMatching } from "../agent/resumable-watch.js";
import type { Transport } from "./transport.js";
import type { Context, WatchInput, WatchMessage } from "../api/types.js";
import { watchMessageFromPb, watchRequestToPb } from "../wire/watch-convert.js";

const M = ContextService.method;

/** Keys read concurrently for a `keys` reset. */
const READ_CONCURRENCY = 16;

/**
 * The client's `watch()`: the Watch RPC, made resumable (reconnect with backoff, resume from the
 * last revision, re-read after compaction; see client/src/agent/resumable-watch.ts) unless `resume: false`.
 * Watch streams carry no deadline; end one with `signal` or by leaving the loop. (Closing the client
 * refuses new streams, which ends a resumable watch at its next reconnection with FAILED_PRECONDITION;
 * grpc-js lets streams already open run on, so end watches before closing.)
 */
export function watchRemote(transport: Transport, input: WatchInput): AsyncIterable<WatchMessage> {
  const open = (i: WatchInput) => rawWatch(transport, i);
  return input.resume === false ? open(input) : resumableWatch(open, remoteReader(transport), input);
}

/** One Watch stream, as the server sends it. */
async function* rawWatch(transport: Transport, input: WatchInput): AsyncGenerator<WatchMessage> {
  const request = watchRequestToPb(input);
  try {
    for await (const res of transport.serverStream(M.watch, request, input.signal ? { signal: input.signal } : {})) {
      yield watchMessageFromPb(res);
    }
  } catch (e) {
    throw closedClient(e);
  }
}

/**
 * grpc-js refuses new calls on a closed channel with a plain Error. Named FAILED_PRECONDITION it
 * ends a resumable watch (nothing to retry: the client was closed) instead of retrying forever.
 */
function closedClient(e: unknown): unknown {
  return e instanceof Error && !(e instanceof FabricError) && e.message === "Channel has been shut down"
    ? new FabricError("FAILED_PRECONDITION", "the client is closed", { cause: e })
    : e;
}

/** Reads what a watch matches over the same connection: GetContext for keys, Query pages otherwise. */
function remoteReader(transport: Transport): ReadMatching {
  return (input, signal) => readMatching(transport, input, signal).catch((e) => Promise.reject(closedClient(e)));
}

async function readMatching(transport: Transport, input: WatchInput, signal?: AbortSignal): Promise<Context[]> {
  const options = signal ? { signal } : {};
  const scope = scopeToPb(input.scope);
  const keys = input.key !== undefined ? [input.key] : input.keys;
  const contexts: Context[] = [];
  if (keys) {
    for (let i = 0; i < keys.length; i += READ_CONCURRENCY) {
      const batch = keys.slice(i, i + READ_CONCURRENCY);
      const results = await Promise.all(batch.map((key) => transport.unary(M.getContext, { key, scope }, options, true)));
      for (const r of results) if (r.context) contexts.push(contextFromPb(r.context));
    }
    return contexts;
  }
  const pattern = input.prefix !== undefined ? escapeGlob(input.prefix) + "*" : input.pattern ?? "*";
  let pageToken = "";
  do {
    const page = await transport.unary(M.query, { scope, pattern, limit: 1000, pageToken }, options, true);
    contexts.push(...page.contexts.map(contextFromPb));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return contexts;
}

/** Escapes glob metacharacters so that `s` matches itself (as the server's glob reads them). */
function escapeGlob(s: string): string {
  return s.replace(/[\\*?[\]]/g, "\\$&");
}
