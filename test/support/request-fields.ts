import { ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";

/** What the wire rules care about in a field: a string (UTF-8), a map's string key, a number, a well-known type. */
export type FieldKind = "string" | "map-key" | "double" | "int64" | "timestamp" | "duration";

/** One place in a request message where a value of `kind` goes, as the server names it in errors. */
export interface FieldSite {
  /** Proto field names, `[0]` for the first list element, `.k` for the map entry with key `k`. */
  readonly path: string;
  readonly kind: FieldKind;
  /** The init object for the request with `value` at this site (and everything else unset). */
  init(value: unknown): Record<string, unknown>;
}

/** The map key every site inside a map uses. */
export const SITE_MAP_KEY = "k";

const INT64 = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
const SKIPPED = new Set(["google.protobuf.Value", "google.protobuf.Struct", "google.protobuf.ListValue"]);

/**
 * Every site of the kinds above in `desc`, found from the descriptors through nested messages (and
 * oneof members, lists and maps) down to `maxDepth` messages: what lets a test cover every field of
 * every method, including ones added later. google.protobuf.Value trees are left out (their numbers
 * are checked with JSON paths by the converters).
 */
export function fieldSites(desc: DescMessage, maxDepth = 4): FieldSite[] {
  const sites: FieldSite[] = [];
  const visit = (message: DescMessage, path: string, wrap: (inner: Record<string, unknown>) => Record<string, unknown>, depth: number) => {
    for (const field of message.fields) {
      const name = path + (path ? "." : "") + field.name;
      const set = (value: unknown): Record<string, unknown> => wrap(assign(field, value));
      const scalar = scalarOf(field);
      if (field.fieldKind === "map") {
        if (field.mapKey === ScalarType.STRING) sites.push({ path: `${name} (a key)`, kind: "map-key", init: (v) => set({ [v as string]: mapZero(field) }) });
        const kind = scalar !== undefined ? kindOf(scalar) : field.mapKind === "message" ? wktKind(field.message) : undefined;
        if (kind) sites.push({ path: `${name}.${SITE_MAP_KEY}`, kind, init: (v) => set({ [SITE_MAP_KEY]: v }) });
        continue;
      }
      const list = field.fieldKind === "list";
      const at = list ? `${name}[0]` : name;
      const put = (value: unknown) => set(list ? [value] : value);
      if (scalar !== undefined) {
        const kind = kindOf(scalar);
        if (kind) sites.push({ path: at, kind, init: put });
        continue;
      }
      const sub = field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message") ? field.message : undefined;
      if (!sub || SKIPPED.has(sub.typeName)) continue;
      const wkt = wktKind(sub);
      if (wkt) sites.push({ path: at, kind: wkt, init: put });
      else if (depth < maxDepth) visit(sub, at, (inner) => put(inner), depth + 1);
    }
  };
  visit(desc, "", (inner) => inner, 1);
  return sites;
}

function assign(field: DescField, value: unknown): Record<string, unknown> {
  if (field.oneof) return { [field.oneof.localName]: { case: field.localName, value } };
  return { [field.localName]: value };
}

function scalarOf(field: DescField): ScalarType | undefined {
  if (field.fieldKind === "scalar") return field.scalar;
  if (field.fieldKind === "list" && field.listKind === "scalar") return field.scalar;
  if (field.fieldKind === "map" && field.mapKind === "scalar") return field.scalar;
  return undefined;
}

function kindOf(scalar: ScalarType): FieldKind | undefined {
  if (scalar === ScalarType.STRING) return "string";
  if (scalar === ScalarType.DOUBLE || scalar === ScalarType.FLOAT) return "double";
  if (INT64.has(scalar)) return "int64";
  return undefined;
}

function wktKind(message: DescMessage): FieldKind | undefined {
  if (message.typeName === "google.protobuf.Timestamp") return "timestamp";
  if (message.typeName === "google.protobuf.Duration") return "duration";
  return undefined;
}

function mapZero(field: Extract<DescField, { fieldKind: "map" }>): unknown {
  if (field.mapKind === "scalar") return field.scalar === ScalarType.STRING ? "" : INT64.has(field.scalar) ? 0n : 0;
  return field.mapKind === "enum" ? 0 : {};
}
