import { create, fromJson, toJson, type JsonValue as PbJsonValue } from "@bufbuild/protobuf";
import {
  ValueSchema, durationFromMs, durationMs, timestampDate, timestampFromDate, type Duration, type Timestamp, type Value,
} from "@bufbuild/protobuf/wkt";
import {
  ContextSchema, Scope as PbScope, type Context as PbContext,
} from "./gen/cachefabric/v1/context_pb.js";
import { FabricError } from "./errors.js";
import type { Context, JsonValue, Scope } from "./types.js";

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

export function valueToPb(value: JsonValue): Value {
  return fromJson(ValueSchema, value as PbJsonValue);
}

/** A Value with no kind set is not JSON: INVALID_ARGUMENT naming `field`. */
export function valueFromPb(value: Value | undefined, field = "value"): JsonValue | undefined {
  if (value === undefined) return undefined;
  try {
    return toJson(ValueSchema, value) as JsonValue;
  } catch (e) {
    throw FabricError.invalid(field, `is not a JSON value (${(e as Error).message})`);
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
  return create(ContextSchema, {
    key: ctx.key,
    scope: SCOPE_TO_PB[ctx.scope],
    value: valueToPb(ctx.value),
    metadata: { ...ctx.metadata },
    revision: toBig(ctx.revision),
    createRevision: toBig(ctx.createRevision),
    version: toBig(ctx.version),
    createdAt: dateToPb(ctx.createdAt),
    updatedAt: dateToPb(ctx.updatedAt),
    expiresAt: dateToPb(ctx.expiresAt),
  });
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
