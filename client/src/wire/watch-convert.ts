import { create, type MessageInitShape } from "@bufbuild/protobuf";
import { durationFromMs, durationMs } from "@bufbuild/protobuf/wkt";
import { contextFromPb, contextToPb, fromBig, scopeFromPb, scopeToPb, toBig } from "./convert.js";
import { FabricError } from "../api/errors.js";
import {
  WatchEvent_Type, WatchResponseSchema, type WatchRequest, type WatchRequestSchema, type WatchResponse,
} from "../gen/cachefabric/v1/context_pb.js";
import type { WatchEventType, WatchInput, WatchMessage } from "../api/types.js";

/**
 * Watch messages ⇄ the API's types, for both ends of the wire (the server's Watch handler and the
 * client's watch()), so the mapping exists once. See client/src/wire/convert.ts for the shared conventions.
 */

const TYPE_TO_PB: Record<WatchEventType, WatchEvent_Type> = {
  PUT: WatchEvent_Type.PUT,
  DELETE: WatchEvent_Type.DELETE,
  EXPIRE: WatchEvent_Type.EXPIRE,
};

/**
 * The request for a watch. The wire has room for one filter only, so a second one is refused here
 * rather than silently dropped; everything else is checked by the server.
 */
export function watchRequestToPb(input: WatchInput): MessageInitShape<typeof WatchRequestSchema> {
  const given = (["key", "keys", "prefix", "pattern"] as const).filter((f) => input[f] !== undefined);
  if (given.length > 1) throw FabricError.invalid(given.join(", "), "set at most one of key, keys, prefix, pattern");
  const start = input.startRevision ?? 0;
  if (!Number.isSafeInteger(start) || start < 0) throw FabricError.invalid("start_revision", "must be a non-negative integer");
  const interval = input.progressIntervalMs;
  if (interval !== undefined && !(Number.isFinite(interval) && interval > 0)) {
    throw FabricError.invalid("progress_interval", "must be a positive number of milliseconds");
  }
  return {
    scope: scopeToPb(input.scope),
    filter:
      input.key !== undefined ? { case: "key", value: input.key }
      : input.keys !== undefined ? { case: "keys", value: { keys: input.keys } }
      : input.prefix !== undefined ? { case: "prefix", value: input.prefix }
      : input.pattern !== undefined ? { case: "pattern", value: input.pattern }
      : { case: undefined },
    startRevision: toBig(start),
    prevContext: input.prevContext === true,
    progressInterval: interval === undefined ? undefined : durationFromMs(interval),
    storeId: input.storeId ?? "",
  };
}

/** The API input a Watch request asks for (the server validates it in the core). */
export function watchRequestFromPb(req: WatchRequest): WatchInput {
  const input: WatchInput = {
    scope: scopeFromPb(req.scope),
    startRevision: fromBig(req.startRevision, "start_revision"),
    prevContext: req.prevContext,
    ...(req.storeId ? { storeId: req.storeId } : {}),
  };
  if (req.progressInterval) input.progressIntervalMs = durationMs(req.progressInterval);
  switch (req.filter.case) {
    case "key":
      input.key = req.filter.value;
      break;
    case "keys":
      input.keys = req.filter.value.keys;
      break;
    case "prefix":
      input.prefix = req.filter.value;
      break;
    case "pattern":
      input.pattern = req.filter.value;
      break;
  }
  return input;
}

/**
 * Wire forms of event messages, by message object. The hub hands every watcher of a change the same
 * frozen message, so the conversion runs once per change rather than once per watcher (protobuf-es
 * `create` passes an existing message through); entries go when the message is collected.
 */
const encodedEvents = new WeakMap<WatchMessage, WatchResponse>();

/** A message of the raw watch stream on the wire. `reset` is the client's own and never sent. */
export function watchMessageToPb(m: WatchMessage): MessageInitShape<typeof WatchResponseSchema> {
  if (m.kind !== "event") return toPb(m);
  let pb = encodedEvents.get(m);
  if (!pb) encodedEvents.set(m, (pb = create(WatchResponseSchema, toPb(m))));
  return pb;
}

function toPb(m: WatchMessage): MessageInitShape<typeof WatchResponseSchema> {
  const revision = toBig(m.revision);
  const storeId = m.storeId ?? "";
  switch (m.kind) {
    case "created":
      return { revision, storeId, kind: { case: "created", value: true } };
    case "progress":
      return { revision, storeId, kind: { case: "progress", value: true } };
    case "compacted":
      return { revision, storeId, kind: { case: "compactRevision", value: toBig(m.compactRevision) } };
    case "event": {
      const e = m.event;
      return {
        revision,
        storeId,
        kind: {
          case: "event",
          value: {
            type: TYPE_TO_PB[e.type],
            key: e.key,
            scope: scopeToPb(e.scope),
            revision: toBig(e.revision),
            context: e.context ? contextToPb(e.context) : undefined,
            prevContext: e.prevContext ? contextToPb(e.prevContext) : undefined,
          },
        },
      };
    }
    case "reset":
      throw new FabricError("INTERNAL", "a reset message is never sent on the wire");
  }
}

/** A message received on a watch stream. */
export function watchMessageFromPb(res: WatchResponse): WatchMessage {
  const revision = fromBig(res.revision);
  // A server older than store identities sends none: the message then has no storeId.
  const id = res.storeId ? { storeId: res.storeId } : {};
  switch (res.kind.case) {
    case "created":
      return { kind: "created", revision, ...id };
    case "progress":
      return { kind: "progress", revision, ...id };
    case "compactRevision":
      return { kind: "compacted", compactRevision: fromBig(res.kind.value, "compact_revision"), revision, ...id };
    case "event": {
      const e = res.kind.value;
      const type = (Object.keys(TYPE_TO_PB) as WatchEventType[]).find((t) => TYPE_TO_PB[t] === e.type);
      if (!type) throw new FabricError("INTERNAL", `server sent a watch event of unknown type ${e.type}`);
      return {
        kind: "event",
        revision,
        ...id,
        event: {
          type,
          key: e.key,
          scope: scopeFromPb(e.scope) ?? "GLOBAL",
          revision: fromBig(e.revision),
          ...(e.context ? { context: contextFromPb(e.context) } : {}),
          ...(e.prevContext ? { prevContext: contextFromPb(e.prevContext) } : {}),
        },
      };
    }
    default:
      throw new FabricError("INTERNAL", "server sent an empty watch message");
  }
}
