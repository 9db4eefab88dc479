import { FabricError } from "@cache-fabric/client/api";
import type { VectorFilter, VectorPoint, VectorSearchOptions } from "../types.js";

/**
 * Input checks shared by every VectorIndex implementation, so the in-process index and the Qdrant
 * adapter reject the same bad input with the same INVALID_ARGUMENT message (naming the field and the
 * rule), and nothing is written when any point of a batch is bad.
 */

/** Largest dimension accepted; Qdrant's own limit is 65,536. */
export const MAX_DIMENSION = 65_536;
/** Most chunks (vectors) one context may have. */
export const MAX_CHUNKS = 1024;

export function checkDimension(dimension: number): void {
  if (!Number.isInteger(dimension) || dimension < 1 || dimension > MAX_DIMENSION) {
    throw FabricError.invalid("dimension", `must be an integer in [1, ${MAX_DIMENSION}], got ${String(dimension)}`);
  }
}

export function checkVector(vector: unknown, dimension: number, field: string): asserts vector is Float32Array {
  if (!(vector instanceof Float32Array)) throw FabricError.invalid(field, "must be a Float32Array");
  if (vector.length !== dimension) {
    throw FabricError.invalid(field, `expected ${dimension} dimensions, got ${vector.length}`);
  }
  for (let i = 0; i < vector.length; i++) {
    if (!Number.isFinite(vector[i])) throw FabricError.invalid(`${field}[${i}]`, "must be a finite number");
  }
}

/** Checks a whole batch before anything is written. */
export function checkPoints(points: readonly VectorPoint[], dimension: number): void {
  if (!Array.isArray(points)) throw FabricError.invalid("points", "must be an array");
  points.forEach((p, i) => {
    const at = `points[${i}]`;
    if (typeof p?.id !== "string" || p.id.length === 0) throw FabricError.invalid(`${at}.id`, "must be a non-empty string");
    if (!Array.isArray(p.vectors) || p.vectors.length === 0) throw FabricError.invalid(`${at}.vectors`, "must be a non-empty array (one vector per chunk)");
    if (p.vectors.length > MAX_CHUNKS) throw FabricError.invalid(`${at}.vectors`, `must hold at most ${MAX_CHUNKS} chunks`);
    p.vectors.forEach((v: unknown, k: number) => checkVector(v, dimension, `${at}.vectors[${k}]`));
    if (p.spans !== undefined) {
      if (!Array.isArray(p.spans) || p.spans.length !== p.vectors.length) throw FabricError.invalid(`${at}.spans`, "must have one [start, end] per vector");
      p.spans.forEach((span: unknown, k: number) => {
        if (!Array.isArray(span) || span.length !== 2 || !Number.isSafeInteger(span[0]) || !Number.isSafeInteger(span[1]) || span[0] < 0 || span[1] < span[0]) {
          throw FabricError.invalid(`${at}.spans[${k}]`, "must be [start, end] with 0 <= start <= end");
        }
      });
    }
    const payload = p.payload;
    if (payload === null || typeof payload !== "object") throw FabricError.invalid(`${at}.payload`, "must be an object");
    if (typeof payload.scope !== "string") throw FabricError.invalid(`${at}.payload.scope`, "must be a string");
    if (typeof payload.key !== "string") throw FabricError.invalid(`${at}.payload.key`, "must be a string");
    if (!Number.isSafeInteger(payload.revision) || payload.revision < 0) {
      throw FabricError.invalid(`${at}.payload.revision`, "must be a non-negative integer");
    }
    checkStringRecord(payload.metadata, `${at}.payload.metadata`);
  });
}

export function checkIds(ids: readonly string[]): void {
  if (!Array.isArray(ids)) throw FabricError.invalid("ids", "must be an array");
  ids.forEach((id, i) => {
    if (typeof id !== "string" || id.length === 0) throw FabricError.invalid(`ids[${i}]`, "must be a non-empty string");
  });
}

export function checkSearch(vector: Float32Array, options: VectorSearchOptions, dimension: number): void {
  checkVector(vector, dimension, "vector");
  if (options === null || typeof options !== "object") throw FabricError.invalid("options", "must be an object");
  if (!Number.isInteger(options.limit) || options.limit < 1) {
    throw FabricError.invalid("limit", `must be a positive integer, got ${String(options.limit)}`);
  }
  if (options.minSimilarity !== undefined && !Number.isFinite(options.minSimilarity)) {
    throw FabricError.invalid("minSimilarity", "must be a finite number");
  }
  checkFilter(options.filter);
}

function checkFilter(filter: VectorFilter | undefined): void {
  if (filter === undefined) return;
  if (filter === null || typeof filter !== "object") throw FabricError.invalid("filter", "must be an object");
  if (filter.scope !== undefined && typeof filter.scope !== "string") throw FabricError.invalid("filter.scope", "must be a string");
  if (filter.keyPrefix !== undefined && typeof filter.keyPrefix !== "string") throw FabricError.invalid("filter.keyPrefix", "must be a string");
  if (filter.metadata !== undefined) checkStringRecord(filter.metadata, "filter.metadata");
  if (filter.anyOf !== undefined) {
    if (!Array.isArray(filter.anyOf)) throw FabricError.invalid("filter.anyOf", "must be an array of { scope, keyPrefix? }");
    filter.anyOf.forEach((n, i) => {
      if (n === null || typeof n !== "object" || typeof n.scope !== "string") throw FabricError.invalid(`filter.anyOf[${i}].scope`, "must be a string");
      if (n.keyPrefix !== undefined && typeof n.keyPrefix !== "string") throw FabricError.invalid(`filter.anyOf[${i}].keyPrefix`, "must be a string");
    });
  }
}

function checkStringRecord(value: unknown, field: string): void {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw FabricError.invalid(field, "must be an object of strings");
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== "string") throw FabricError.invalid(`${field}.${k}`, "must be a string");
  }
}
