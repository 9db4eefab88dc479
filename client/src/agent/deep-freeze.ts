/**
 * Freezes a value and everything it holds (Dates excepted: they are left as they are), so what a
 * cache hands out can be shared by every reader and never changed by one of them.
 */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === "object" && !Object.isFrozen(value) && !(value instanceof Date)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
