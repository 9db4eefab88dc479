import type { DescField } from "@bufbuild/protobuf";
import { reflectMap } from "@bufbuild/protobuf/reflect";
import { StructSchema } from "@bufbuild/protobuf/wkt";

/**
 * Keeps a `__proto__` map key as data when protobuf-es decodes a message.
 *
 * protobuf-es 2.x stores a decoded map entry with `obj[key] = value`. For the key `__proto__` that
 * assignment does not create a property: a string value is ignored (the entry is silently lost) and a
 * message value becomes the map object's prototype. Upstream leaves this to applications
 * (bufbuild/protobuf-es#1451). Metadata maps and `google.protobuf.Struct` fields (every JSON object in
 * a context value) go through that path, so a caller's `{"__proto__": ...}` would be dropped or, worse,
 * re-parent an object. This patch makes the one map setter every decode uses define such a key as an
 * own data property instead; every other key takes the library's own path unchanged. Encoding already
 * iterates own entries, so the key round-trips. Value ⇄ JSON conversion is ours (client/src/wire/convert.ts) and
 * defines keys the same way.
 *
 * Applied once, at import of the wire bridge (client/src/wire/grpc-definition.ts), on both client and server.
 */
const PLACEHOLDER = "\u0000cache-fabric:proto-key\u0000";

const structFields = StructSchema.fields.find((f): f is Extract<DescField, { fieldKind: "map" }> => f.fieldKind === "map")!;
const mapPrototype = Object.getPrototypeOf(reflectMap(structFields)) as {
  set(this: { obj: Record<string, unknown> }, key: unknown, value: unknown): unknown;
  __cacheFabricProtoKeys?: true;
};

if (!mapPrototype.__cacheFabricProtoKeys) {
  const librarySet = mapPrototype.set;
  mapPrototype.set = function set(key, value) {
    if (key !== "__proto__") return librarySet.call(this, key, value);
    // Let the library check and convert the value under a harmless key, then move it.
    const result = librarySet.call(this, PLACEHOLDER, value);
    const converted = this.obj[PLACEHOLDER];
    delete this.obj[PLACEHOLDER];
    defineOwn(this.obj, "__proto__", converted);
    return result;
  };
  Object.defineProperty(mapPrototype, "__cacheFabricProtoKeys", { value: true });
}

/** `obj[key] = value` that also works for `__proto__` (an own, enumerable data property). */
export function defineOwn(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === "__proto__") Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}
