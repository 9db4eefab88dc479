import { SCOPES, type JsonValue, type Scope } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";

/**
 * Input rules, in one place so that every path (RPC, batch, in-process core) applies the same ones.
 * Each check throws INVALID_ARGUMENT naming the field and the rule, before anything is written.
 */
export const LIMITS = {
  /** Keys: 1..512 characters from KEY_CHARSET. */
  maxKeyLength: 512,
  maxMetadataEntries: 64,
  maxMetadataKeyLength: 128,
  maxMetadataValueLength: 1024,
  /**
   * Most objects and lists nested in a JSON value (`{"a":[1]}` nests 2): a depth every protobuf
   * decoder of every client reads back through every response. Decoders stop at about 100 nested
   * messages; in C++ (and so Python's default backend, and Java) a JSON object costs 3 of them
   * (Value → Struct → map entry), a list 2, and the deepest response puts the value 4 messages down
   * (a Batch delete's previous context: BatchResponse → BatchResult → DeleteContextResponse →
   * Context). C++ reads 32 object levels there and no more (measured: test/e2e/deep-values.test.ts);
   * 24 leaves 8 levels, 24 messages, for any wrapper a later response adds.
   */
  maxValueDepth: 24,
  maxQueryLimit: 1000,
  defaultQueryLimit: 100,
  maxBatchOperations: 10_000,
  /** Longest TTL: 10 years, in seconds. */
  maxTtlSeconds: 10 * 365 * 24 * 3600,
};

/** Letters, digits and `_ - . : / @ + = , ; | ~ #`: no spaces, no glob metacharacters. */
export const KEY_CHARSET_DESCRIPTION = "letters, digits and _ - . : / @ + = , ; | ~ #";
const KEY_RE = /^[A-Za-z0-9_\-.:/@+=,;|~#]+$/;
const METADATA_KEY_RE = /^[A-Za-z0-9_\-.]+$/;

export function validateKey(key: unknown, field = "key"): string {
  if (typeof key !== "string" || key.length === 0) throw FabricError.invalid(field, "is required");
  if (key.length > LIMITS.maxKeyLength) {
    throw FabricError.invalid(field, `must be at most ${LIMITS.maxKeyLength} characters (got ${key.length})`);
  }
  if (!KEY_RE.test(key)) throw FabricError.invalid(field, `may contain only ${KEY_CHARSET_DESCRIPTION}`);
  return key;
}

/** A scope name; absent means GLOBAL, the guide's default. */
export function validateScope(scope: unknown, field = "scope"): Scope {
  if (scope === undefined || scope === null) return "GLOBAL";
  if (typeof scope !== "string" || !(SCOPES as readonly string[]).includes(scope)) {
    throw FabricError.invalid(field, `must be one of ${SCOPES.join(", ")}`);
  }
  return scope as Scope;
}

export function validateMetadata(metadata: unknown, field = "metadata"): Record<string, string> {
  if (metadata === undefined || metadata === null) return {};
  if (typeof metadata !== "object" || Array.isArray(metadata)) {
    throw FabricError.invalid(field, "must be an object of string values");
  }
  const entries = Object.entries(metadata);
  if (entries.length > LIMITS.maxMetadataEntries) {
    throw FabricError.invalid(field, `must have at most ${LIMITS.maxMetadataEntries} entries`);
  }
  // A null-prototype copy: a `__proto__` key is stored as data and never reaches a prototype.
  const out: Record<string, string> = Object.create(null);
  for (const [k, v] of entries) {
    if (k.length === 0 || k.length > LIMITS.maxMetadataKeyLength || !METADATA_KEY_RE.test(k)) {
      throw FabricError.invalid(
        `${field}.${k}`,
        `key must be 1..${LIMITS.maxMetadataKeyLength} characters of letters, digits, _ - .`,
      );
    }
    if (typeof v !== "string") throw FabricError.invalid(`${field}.${k}`, "must be a string");
    if (v.length > LIMITS.maxMetadataValueLength) {
      throw FabricError.invalid(`${field}.${k}`, `must be at most ${LIMITS.maxMetadataValueLength} characters`);
    }
    out[k] = v;
  }
  return { ...out };
}

/**
 * Checks that `value` is plain JSON data (finite numbers, at most `maxDepth` objects and lists
 * nested) and returns its encoded size in bytes, which the caller compares with the configured maximum.
 */
export function validateValue(value: unknown, maxBytes: number, field = "value", maxDepth = LIMITS.maxValueDepth): number {
  if (value === undefined) throw FabricError.invalid(field, "is required (use null for an empty value)");
  checkJson(value, field, 0, maxDepth);
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > maxBytes) {
    throw FabricError.invalid(field, `must be at most ${maxBytes} bytes as JSON (got ${bytes})`);
  }
  return bytes;
}

/** `depth`: objects and lists around `value`. Stops at the first container too many, so a cycle ends too. */
function checkJson(value: unknown, field: string, depth: number, maxDepth: number): void {
  switch (typeof value) {
    case "string":
    case "boolean":
      return;
    case "number":
      if (!Number.isFinite(value)) throw FabricError.invalid(field, "numbers must be finite");
      return;
    case "object":
      if (value === null) return;
      if (depth >= maxDepth) throw FabricError.invalid(field, `must nest at most ${maxDepth} levels of objects and lists`);
      if (Array.isArray(value)) {
        value.forEach((v, i) => checkJson(v, `${field}[${i}]`, depth + 1, maxDepth));
        return;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype && Object.getPrototypeOf(value) !== null) {
        throw FabricError.invalid(field, "must be plain JSON data");
      }
      for (const [k, v] of Object.entries(value)) checkJson(v, `${field}.${k}`, depth + 1, maxDepth);
      return;
    default:
      throw FabricError.invalid(field, `must be JSON data (got ${typeof value})`);
  }
}

/** TTL in seconds → milliseconds; absent means no expiry. */
export function validateTtl(ttl: unknown, field = "ttl"): number | undefined {
  if (ttl === undefined || ttl === null) return undefined;
  if (typeof ttl !== "number" || !Number.isFinite(ttl) || ttl <= 0) {
    throw FabricError.invalid(field, "must be a positive number of seconds");
  }
  if (ttl > LIMITS.maxTtlSeconds) throw FabricError.invalid(field, `must be at most ${LIMITS.maxTtlSeconds} seconds`);
  return Math.max(1, Math.round(ttl * 1000));
}

export function validateRevision(revision: unknown, field: string): number | undefined {
  if (revision === undefined || revision === null) return undefined;
  if (typeof revision !== "number" || !Number.isSafeInteger(revision) || revision < 0) {
    throw FabricError.invalid(field, "must be a non-negative integer");
  }
  return revision;
}

export function validateLimit(limit: unknown, max = LIMITS.maxQueryLimit, dflt = LIMITS.defaultQueryLimit, field = "limit"): number {
  if (limit === undefined || limit === null || limit === 0) return dflt;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > max) {
    throw FabricError.invalid(field, `must be an integer from 1 to ${max}`);
  }
  return limit;
}

/** Instants a google.protobuf.Timestamp can carry, in epoch milliseconds: 0001-01-01 to 9999-12-31. */
export const MIN_INSTANT_MS = -62_135_596_800_000; // 0001-01-01T00:00:00.000Z
export const MAX_INSTANT_MS = 253_402_300_799_999; // 9999-12-31T23:59:59.999Z

/**
 * A Date, ISO-8601 string or epoch milliseconds → Date, between 0001-01-01 and 9999-12-31 (what a
 * Timestamp can carry, so every client can read it back).
 */
export function validateInstant(value: unknown, field: string): Date {
  const d = value instanceof Date ? value : typeof value === "string" || typeof value === "number" ? new Date(value) : undefined;
  if (!d || Number.isNaN(d.getTime())) throw FabricError.invalid(field, "must be a date (Date, ISO-8601 string or epoch milliseconds)");
  if (d.getTime() < MIN_INSTANT_MS || d.getTime() > MAX_INSTANT_MS) throw FabricError.invalid(field, "must be a date from 0001-01-01 to 9999-12-31");
  return d;
}

/**
 * Makes a value safe to keep: a deep copy in which `__proto__` keys are own data properties,
 * so stored JSON can never alter a prototype, and later mutation by the caller cannot reach the store.
 */
export function cloneJson(value: JsonValue): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}
