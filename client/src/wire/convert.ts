import { create } from "@bufbuild/protobuf";
import {
  ListValueSchema, NullValue, StructSchema, ValueSchema, durationFromMs, durationMs, timestampDate, timestampFromDate,
  type Duration, type Timestamp, type Value,
} from "@bufbuild/protobuf/wkt";
import {
  ContextSchema, ResponseHeaderSchema, Scope as PbScope, type Context as PbContext, type ResponseHeader as PbResponseHeader,
} from "../gen/cachefabric/v1/context_pb.js";
import { FabricError } from "../api/errors.js";
import { defineOwn } from "./proto-map-keys.js";
import type { Context, JsonValue, Scope, StoreHeaderInfo } from "../api/types.js";

/**
 * Conversions between the wire messages and the fabric's TypeScript types, used by both the server
 * handlers and the client so the mapping exists once. int64 travels as bigint on the wire and is a
 * number in the API (revisions stay far below 2^53).
 */

const SCOPE_TO_PB: Record<Scope, PbScope> = {
  GLOBAL: PbScope.GLOBAL,
  EXECUTION: PbScope.EXECUTION,
  FEEDBACK: PbScope.FEEDBACK,
  USER: PbScope.USER,
};

/** undefined → UNSPECIFIED (the server applies its default); a name that is not a scope is INVALID_ARGUMENT. */
export function scopeToPb(scope: Scope | undefined, field = "scope"): PbScope {
  if (scope === undefined || scope === null) return PbScope.UNSPECIFIED;
  if (!Object.prototype.hasOwnProperty.call(SCOPE_TO_PB, scope)) {
    throw FabricError.invalid(field, `must be one of ${Object.keys(SCOPE_TO_PB).join(", ")}`);
  }
  return SCOPE_TO_PB[scope];
}

/** Metadata must be string → string on the wire; anything else is refused before sending. */
export function metadataToPb(metadata: Record<string, string> | undefined, field = "metadata"): Record<string, string> {
  if (metadata === undefined || metadata === null) return {};
  if (typeof metadata !== "object" || Array.isArray(metadata)) throw FabricError.invalid(field, "must be an object of string values");
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== "string") throw FabricError.invalid(`${field}.${k}`, "must be a string");
  }
  return metadata;
}

/** UNSPECIFIED → undefined (the API's default applies); an unknown number is INVALID_ARGUMENT. */
export function scopeFromPb(scope: PbScope, field = "scope"): Scope | undefined {
  if (scope === PbScope.UNSPECIFIED) return undefined;
  const name = PbScope[scope] as Scope | undefined;
  if (!name || !(name in SCOPE_TO_PB)) throw FabricError.invalid(field, `unknown scope ${scope}`);
  return name;
}

/**
 * JSON → google.protobuf.Value. Ours rather than protobuf-es's fromJson, which assigns object keys
 * with `obj[k] = v` and so loses a `__proto__` key (see proto-map-keys.ts). Non-finite numbers have
 * no JSON form and are refused.
 */
export function valueToPb(value: JsonValue, field = "value"): Value {
  switch (typeof value) {
    case "string":
      return create(ValueSchema, { kind: { case: "stringValue", value } });
    case "boolean":
      return create(ValueSchema, { kind: { case: "boolValue", value } });
    case "number":
      if (!Number.isFinite(value)) throw FabricError.invalid(field, "numbers must be finite");
      return create(ValueSchema, { kind: { case: "numberValue", value } });
    case "object": {
      if (value === null) return create(ValueSchema, { kind: { case: "nullValue", value: NullValue.NULL_VALUE } });
      if (Array.isArray(value)) {
        return create(ValueSchema, { kind: { case: "listValue", value: create(ListValueSchema, { values: value.map((v, i) => valueToPb(v, `${field}[${i}]`)) }) } });
      }
      const struct = create(StructSchema);
      for (const [k, v] of Object.entries(value)) defineOwn(struct.fields, k, valueToPb(v, `${field}.${k}`));
      return create(ValueSchema, { kind: { case: "structValue", value: struct } });
    }
    default:
      throw FabricError.invalid(field, `must be JSON data (got ${typeof value})`);
  }
}

/** google.protobuf.Value → JSON; a Value with no kind set is not JSON: INVALID_ARGUMENT naming `field`. */
export function valueFromPb(value: Value | undefined, field = "value"): JsonValue | undefined {
  if (value === undefined) return undefined;
  const kind = value.kind;
  switch (kind.case) {
    case "nullValue":
      return null;
    case "numberValue":
      if (!Number.isFinite(kind.value)) throw FabricError.invalid(field, "numbers must be finite");
      return kind.value;
    case "stringValue":
    case "boolValue":
      return kind.value;
    case "listValue":
      return kind.value.values.map((v, i) => valueFromPb(v, `${field}[${i}]`) as JsonValue);
    case "structValue": {
      const out: Record<string, JsonValue> = {};
      for (const [k, v] of Object.entries(kind.value.fields)) defineOwn(out, k, valueFromPb(v, `${field}.${k}`));
      return out;
    }
    default:
      throw FabricError.invalid(field, "is not a JSON value (no kind set)");
  }
}

export function toBig(n: number): bigint {
  return BigInt(n);
}

export function fromBig(n: bigint, field = "revision"): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER) || n < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw FabricError.invalid(field, "is out of range");
  }
  return Number(n);
}

export function dateToPb(date: Date | undefined): Timestamp | undefined {
  return date ? timestampFromDate(date) : undefined;
}

export function dateFromPb(ts: Timestamp | undefined): Date | undefined {
  return ts ? timestampDate(ts) : undefined;
}

/** Seconds (the API's TTL unit) → Duration. */
export function secondsToPb(seconds: number | undefined): Duration | undefined {
  return seconds === undefined ? undefined : durationFromMs(seconds * 1000);
}

export function secondsFromPb(d: Duration | undefined): number | undefined {
  return d ? durationMs(d) / 1000 : undefined;
}

export function contextToPb(ctx: Context): PbContext {
  const pb = contextHeaderToPb(ctx);
  pb.value = valueToPb(ctx.value);
  pb.metadata = { ...ctx.metadata };
  return pb;
}

export function contextFromPb(pb: PbContext): Context {
  return {
    key: pb.key,
    scope: scopeFromPb(pb.scope) ?? "GLOBAL",
    value: valueFromPb(pb.value) ?? null,
    metadata: { ...pb.metadata },
    revision: Number(pb.revision),
    createRevision: Number(pb.createRevision),
    version: Number(pb.version),
    createdAt: dateFromPb(pb.createdAt) ?? new Date(0),
    updatedAt: dateFromPb(pb.updatedAt) ?? new Date(0),
    ...(pb.expiresAt ? { expiresAt: timestampDate(pb.expiresAt) } : {}),
  };
}

/** A context as SetContext and Batch answer it by default: revisions and times, no value or metadata. */
export function contextHeaderToPb(ctx: Context): PbContext {
  return create(ContextSchema, {
    key: ctx.key,
    scope: SCOPE_TO_PB[ctx.scope],
    revision: toBig(ctx.revision),
    createRevision: toBig(ctx.createRevision),
    version: toBig(ctx.version),
    createdAt: dateToPb(ctx.createdAt),
    updatedAt: dateToPb(ctx.updatedAt),
    expiresAt: dateToPb(ctx.expiresAt),
  });
}

// ---- Encoded sizes ----
//
// What a context takes on the wire, without encoding it: pages are cut by bytes so that no response
// exceeds what a client receives, and measuring by encoding would encode every context twice. The
// figures are upper bounds of protobuf's binary encoding (tags of 1 byte, varint lengths, every
// field counted as if set), exact for values.

function varintSize(n: number): number {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** A length-delimited field: tag, length, bytes. */
function delimited(length: number): number {
  return 1 + varintSize(length) + length;
}

/** Bytes of a google.protobuf.Value holding `value` (its body, without its own tag and length). */
export function valueWireSize(value: JsonValue): number {
  switch (typeof value) {
    case "string":
      return delimited(Buffer.byteLength(value));
    case "number":
      return 9;
    case "boolean":
      return 2;
    default: {
      if (value === null) return 2;
      let body = 0;
      if (Array.isArray(value)) {
        for (const v of value) body += delimited(valueWireSize(v));
      } else {
        for (const [k, v] of Object.entries(value)) body += delimited(delimited(Buffer.byteLength(k)) + delimited(valueWireSize(v)));
      }
      return delimited(body);
    }
  }
}

/** Three timestamps, three int64 revisions and the scope, at their largest. */
const CONTEXT_FIXED_BYTES = 3 * 15 + 3 * 11 + 2;

/** An upper bound of the bytes `ctx` takes as one element of a repeated Context field. */
export function contextWireSize(ctx: Context): number {
  let body = CONTEXT_FIXED_BYTES + delimited(Buffer.byteLength(ctx.key)) + delimited(valueWireSize(ctx.value));
  for (const [k, v] of Object.entries(ctx.metadata)) body += delimited(delimited(Buffer.byteLength(k)) + delimited(Buffer.byteLength(v)));
  return delimited(body);
}

/** The wire's ResponseHeader from an answer's store header. */
export function headerToPb(header: StoreHeaderInfo): PbResponseHeader {
  return create(ResponseHeaderSchema, { storeId: header.storeId, revision: toBig(header.revision) });
}

/** An answer's store header; a server that sends none (older than store identities) gives an empty id. */
export function headerFromPb(header: PbResponseHeader | undefined, revision?: bigint): StoreHeaderInfo {
  return { storeId: header?.storeId ?? "", revision: fromBig(header?.revision ?? revision ?? 0n) };
}
