import { SCOPES, type Scope } from "@cache-fabric/client/api";
import type { ChangeEvent, ChangeType } from "../types.js";
import { contextFromRecord } from "./records.js";

/** A stream entry as ioredis returns it: [id, [field, value, field, value, ...]]. */
export type StreamEntry = [id: string, fields: string[]];

const TYPES: readonly ChangeType[] = ["PUT", "DELETE", "EXPIRE"];

/**
 * Decodes one CHANGES entry (written by the write and expire scripts): id `<revision>-0`, fields
 * t (type), s (scope), k (key), c (context after a PUT), p (context before, when there was one).
 */
export function decodeChange([id, fields]: StreamEntry): ChangeEvent {
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
    ...(f.c !== undefined ? { context: contextFromRecord(scope, f.k, f.c) } : {}),
    ...(f.p !== undefined ? { prev: contextFromRecord(scope, f.k, f.p) } : {}),
  };
}

/** The revision in a stream id `<revision>-0`. */
export function revisionOf(id: string): number {
  return Number(id.slice(0, id.indexOf("-")));
}
