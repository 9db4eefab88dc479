import type { Context, JsonValue, Scope } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import type { ContextHeader } from "../write-outcome.js";

/**
 * How a context is kept in Redis, and how the scripts hand contexts back.
 *
 * The data key is a hash with short fields (it exists once per context, so names are kept short):
 *   r  revision          cr createRevision      v  version
 *   c  createdAt (ms)    u  updatedAt (ms)      e  expiresAt (ms), absent when it does not expire
 *   b  body: JSON `{"value":...,"metadata":{...}}`, written by Node and never parsed by Lua
 *
 * The body is opaque to the scripts on purpose: Lua's cjson re-encodes numbers with 14 significant
 * digits and cannot tell `[]` from `{}`, so a value that went through it would not come back as it
 * was stored. The scripts only ever concatenate it. Where a script returns a whole context (change
 * stream entries, the previous context of a delete) it builds a record by concatenation:
 *   {"r":R,"cr":CR,"v":V,"c":C,"u":U[,"e":E],"b":BODY}
 */
export const FIELDS = ["r", "cr", "v", "c", "u", "e", "b"] as const;
export const FIELD_COUNT = FIELDS.length;

interface Body {
  value: JsonValue;
  metadata: Record<string, string>;
}

/** A whole context as a script writes it: the header fields and the body. */
interface Record_ extends ContextHeader {
  b: Body;
}

export function encodeBody(value: JsonValue, metadata: Record<string, string>): string {
  return JSON.stringify({ value, metadata });
}

/** A context from the 7 hash fields in FIELDS order (as HMGET returns them); null when absent. */
export function contextFromFields(scope: Scope, key: string, f: readonly (string | null)[], offset = 0): Context | null {
  if (f[offset] === null || f[offset] === undefined) return null;
  const body = parseJson<Body>(f[offset + 6]!, scope, key);
  return build(scope, key, {
    r: Number(f[offset]),
    cr: Number(f[offset + 1]),
    v: Number(f[offset + 2]),
    c: Number(f[offset + 3]),
    u: Number(f[offset + 4]),
    ...(f[offset + 5] !== null && f[offset + 5] !== undefined ? { e: Number(f[offset + 5]) } : {}),
    b: body,
  });
}

/** A context from a record built by a script (see the module comment). */
export function contextFromRecord(scope: Scope, key: string, record: string): Context {
  return build(scope, key, parseJson<Record_>(record, scope, key));
}

function build(scope: Scope, key: string, r: Record_): Context {
  return {
    key,
    scope,
    value: r.b.value,
    metadata: r.b.metadata,
    revision: r.r,
    createRevision: r.cr,
    version: r.v,
    createdAt: new Date(r.c),
    updatedAt: new Date(r.u),
    ...(r.e !== undefined ? { expiresAt: new Date(r.e) } : {}),
  };
}

function parseJson<T>(text: string, scope: Scope, key: string): T {
  try {
    return JSON.parse(text) as T;
  } catch (e) {
    throw new FabricError("INTERNAL", `stored context ${scope}/${key} is not readable`, { cause: e });
  }
}
