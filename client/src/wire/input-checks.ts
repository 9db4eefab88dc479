import { FabricError } from "../api/errors.js";

/**
 * Client-side checks of what the wire can carry, shared by the converters: a string where a string
 * goes, an integer where an integer goes, refused with INVALID_ARGUMENT naming the field as the
 * server would. Range rules are the server's alone, so they are stated once.
 */

/** Absent → "" (proto3's unset string). */
export function wireString(value: unknown, field: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") throw FabricError.invalid(field, "must be a string");
  return value;
}

export function wireNumber(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number") throw FabricError.invalid(field, "must be a number");
  return value;
}

/** Absent → 0n (proto3's unset int64). */
export function wireInt64(value: unknown, field: string): bigint {
  if (value === undefined || value === null) return 0n;
  if (typeof value !== "number" || !Number.isSafeInteger(value)) throw FabricError.invalid(field, "must be an integer");
  return BigInt(value);
}

export function wireInt32(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "number" || !Number.isInteger(value) || Math.abs(value) > 2 ** 31 - 1) {
    throw FabricError.invalid(field, "must be an integer");
  }
  return value;
}
