import type { Context, JsonValue, Scope } from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import type { ContextHeader } from "../write-outcome.js";

/**
 * How a context is kept in Redis (record format 2): one string per context, its data key,
 *
 *   <r>,<cr>,<v>,<c>,<u>,<e>\n<metadata JSON>\n<value JSON>
 *
 *   r  revision             cr createRevision (empty: equal to r, a first version)
 *   v  version              c  createdAt ms (empty: equal to u)
 *   u  updatedAt ms         e  expiresAt ms (empty: it does not expire)
 *
 * The value's JSON text is kept once, as Node's JSON.stringify wrote it, and the scripts never
 * parse it: Lua's cjson re-encodes numbers with 14 significant digits and cannot tell `[]` from
 * `{}`, so the scripts only read the header line and concatenate. JSON text never holds a raw
 * newline (JSON.stringify escapes control characters), so the first two newlines split the record.
 * Change-stream entries embed records verbatim (change-stream.ts); the write script returns them for
 * deletes. A plain GET or MGET reads a record; nothing else is needed to build the context.
 */

/** A record's header, with the defaults applied, and where its metadata and value lines lie in `text`. */
export interface RecordParts extends ContextHeader {
  /** Index of the newline ending the header line. */
  headerEnd: number;
  metaStart: number;
  valueStart: number;
  /** Index just past the value line (the next newline, or the end of `text`). */
  end: number;
}

/** The body a write sends to the script: metadata and value as JSON lines. */
export function encodeBody(value: JsonValue, metadata: Record<string, string>): string {
  return `${JSON.stringify(metadata)}\n${JSON.stringify(value)}`;
}

/**
 * The body as format 1 encoded it (`{"value":...,"metadata":...}`, JSON.stringify's own output for
 * that object), for idempotency fingerprints: a retry that spans an upgrade still matches its first
 * attempt.
 */
export function legacyBody(body: string): string {
  const nl = body.indexOf("\n");
  return `{"value":${body.slice(nl + 1)},"metadata":${body.slice(0, nl)}}`;
}

/** The header line of a record (the six numbers, defaults applied), as the scripts write it. */
export function recordHeader(h: ContextHeader): string {
  return `${h.r},${h.cr === h.r ? "" : h.cr},${h.v},${h.c === h.u ? "" : h.c},${h.u},${h.e ?? ""}`;
}

/** Longest header line, newline included: six numbers of at most 16 digits and five commas. */
export const RECORD_HEADER_MAX = 6 * 16 + 5 + 1;

/**
 * The header of the record starting at `start` of `text` (which may be only the record's first
 * RECORD_HEADER_MAX characters, as cleanup reads them); undefined when it is not a header line.
 */
export function parseRecordHeader(text: string, start = 0): (ContextHeader & { headerEnd: number }) | undefined {
  const nl = text.indexOf("\n", start);
  const f = nl < 0 ? [] : text.slice(start, nl).split(",");
  if (f.length !== 6 || f[0] === "" || f[2] === "" || f[4] === "") return undefined;
  const r = Number(f[0]);
  const u = Number(f[4]);
  return {
    r,
    cr: f[1] === "" ? r : Number(f[1]),
    v: Number(f[2]),
    c: f[3] === "" ? u : Number(f[3]),
    u,
    ...(f[5] !== "" ? { e: Number(f[5]) } : {}),
    headerEnd: nl,
  };
}

/** Parses the record starting at `start` of `text` (a data key's value, or part of a stream entry). */
export function parseRecord(text: string, start = 0): RecordParts {
  const h = parseRecordHeader(text, start) as RecordParts | undefined;
  const metaEnd = h ? text.indexOf("\n", h.headerEnd + 1) : -1;
  if (!h || metaEnd < 0) throw unreadable();
  const end = text.indexOf("\n", metaEnd + 1);
  h.metaStart = h.headerEnd + 1;
  h.valueStart = metaEnd + 1;
  h.end = end < 0 ? text.length : end;
  return h;
}

/** The context a parsed record holds. */
export function contextOf(scope: Scope, key: string, text: string, p: RecordParts): Context {
  let metadata: Record<string, string>;
  let value: JsonValue;
  try {
    metadata = JSON.parse(text.slice(p.metaStart, p.valueStart - 1)) as Record<string, string>;
    value = JSON.parse(text.slice(p.valueStart, p.end)) as JsonValue;
  } catch (e) {
    throw unreadable(scope, key, e);
  }
  return {
    key,
    scope,
    value,
    metadata,
    revision: p.r,
    createRevision: p.cr,
    version: p.v,
    createdAt: new Date(p.c),
    updatedAt: new Date(p.u),
    ...(p.e !== undefined ? { expiresAt: new Date(p.e) } : {}),
  };
}

/** The context in a record. */
export function contextFromRecord(scope: Scope, key: string, text: string): Context {
  let parts: RecordParts;
  try {
    parts = parseRecord(text);
  } catch (e) {
    throw unreadable(scope, key, e);
  }
  return contextOf(scope, key, text, parts);
}

/**
 * Record format 1 (before the compact records): the data key was a hash r, cr, v, c, u, e, b with
 * b = `{"value":...,"metadata":{...}}`, and scripts built whole-context JSON for stream entries
 * `{"r":R,"cr":CR,"v":V,"c":C,"u":U[,"e":E],"b":BODY}`. Read only to migrate data (migration.ts)
 * and to decode stream entries written before it.
 */
export const LEGACY_FIELDS = ["r", "cr", "v", "c", "u", "e", "b"] as const;

/** A format-1 data hash's fields (LEGACY_FIELDS order) as a format-2 record. */
export function recordFromLegacyFields(f: readonly (string | null)[]): string {
  const { value, metadata } = JSON.parse(f[6]!) as { value: JsonValue; metadata: Record<string, string> };
  const header: ContextHeader = { r: Number(f[0]), cr: Number(f[1]), v: Number(f[2]), c: Number(f[3]), u: Number(f[4]) };
  if (f[5] !== null && f[5] !== undefined) header.e = Number(f[5]);
  return `${recordHeader(header)}\n${encodeBody(value, metadata)}`;
}

/** A context from a format-1 whole-context JSON record (stream entries written before format 2). */
export function contextFromLegacyRecord(scope: Scope, key: string, json: string): Context {
  let r: ContextHeader & { b: { value: JsonValue; metadata: Record<string, string> } };
  try {
    r = JSON.parse(json) as typeof r;
  } catch (e) {
    throw unreadable(scope, key, e);
  }
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

function unreadable(scope?: Scope, key?: string, cause?: unknown): FabricError {
  const what = scope === undefined ? "a stored context" : `stored context ${scope}/${key}`;
  return new FabricError("INTERNAL", `${what} is not readable`, cause === undefined ? {} : { cause });
}
