import { SCOPES, type Scope } from "@cache-fabric/client/api";
import type { ChangeEvent, ChangeType } from "../types.js";
import { contextFromLegacyRecord, contextOf, parseRecord } from "./records.js";

/** A stream entry as ioredis returns it: [id, [field, value, field, value, ...]]. */
export type StreamEntry = [id: string, fields: string[]];

const TYPES: readonly ChangeType[] = ["PUT", "DELETE", "EXPIRE"];
const TYPE_OF: Record<string, ChangeType> = { P: "PUT", D: "DELETE", E: "EXPIRE" };

/**
 * Decodes one CHANGES entry (written by the write and expire scripts, lua-prelude.ts `append`): id
 * `<revision>-0`, one field `x` = `<P|D|E><scope number><key>`, then for a PUT the context after
 * and, when there was one, the context before; for a DELETE or EXPIRE the context before when
 * there was one. Each context is a stored record (records.ts, three lines) copied verbatim, so an
 * entry carries the value's bytes once per context and nothing the revision or the record already
 * says. Entries written before record format 2 (fields t, s, k, c, p) are read too: they stay in the
 * stream until trimmed.
 */
export function decodeChange([id, fields]: StreamEntry): ChangeEvent {
  if (fields.length === 2 && fields[0] === "x") return decodeCompact(id, fields[1]);
  return decodeLegacy(id, fields);
}

function decodeCompact(id: string, x: string): ChangeEvent {
  const nl = x.indexOf("\n");
  const type = TYPE_OF[x[0]];
  const scope = SCOPES[Number(x[1]) - 1] as Scope | undefined;
  const key = x.slice(2, nl < 0 ? x.length : nl);
  if (!type || !scope || key === "") throw new Error(`malformed change stream entry ${id}`);
  const contexts = [];
  for (let at = nl + 1; nl >= 0 && at < x.length; ) {
    const parts = parseRecord(x, at);
    contexts.push(contextOf(scope, key, x, parts));
    at = parts.end + 1;
  }
  const [first, second] = contexts;
  const event: ChangeEvent = { type, revision: revisionOf(id), scope, key };
  if (type === "PUT") {
    if (!first) throw new Error(`malformed change stream entry ${id}: a PUT without its context`);
    event.context = first;
    if (second) event.prev = second;
  } else if (first) {
    event.prev = first;
  }
  return event;
}

function decodeLegacy(id: string, fields: string[]): ChangeEvent {
  const f: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) f[fields[i]] = fields[i + 1];
  const type = f.t as ChangeType;
  const scope = f.s as Scope;
  if (!TYPES.includes(type) || !SCOPES.includes(scope) || f.k === undefined) {
    throw new Error(`malformed change stream entry ${id}`);
  }
  return {
    type,
    revision: revisionOf(id),
    scope,
    key: f.k,
    ...(f.c !== undefined ? { context: contextFromLegacyRecord(scope, f.k, f.c) } : {}),
    ...(f.p !== undefined ? { prev: contextFromLegacyRecord(scope, f.k, f.p) } : {}),
  };
}

/** The revision in a stream id `<revision>-0`. */
export function revisionOf(id: string): number {
  return Number(id.slice(0, id.indexOf("-")));
}
