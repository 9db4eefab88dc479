import { fromBinary, ScalarType, type DescField, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import { BinaryReader, WireType } from "@bufbuild/protobuf/wire";
import { FabricError } from "@cache-fabric/client/api";

/**
 * The decode step of every call: request bytes → message, or INVALID_ARGUMENT naming the field and
 * the rule. grpc-js answers a request its deserializer throws on with INTERNAL before any handler
 * runs, so the server takes raw bytes (client/src/wire/grpc-definition.ts) and decodes here.
 *
 * Beyond what protobuf-es checks (wire format, UTF-8 in strings, at most 100 nested messages), it
 * enforces on every request message, generically from the descriptors so that a new method or field
 * is covered as it lands:
 * - google.protobuf.Timestamp: seconds within 0001-01-01..9999-12-31, nanos in [0, 1e9) (its spec);
 * - google.protobuf.Duration: |seconds| ≤ 10,000 years, |nanos| < 1e9, both of one sign (its spec);
 * - every double is finite: no field of the fabric's API means anything by NaN or ±Infinity;
 * - every 64-bit integer is within ±(2^53 − 1): the API carries them as JavaScript numbers.
 * google.protobuf.Value trees are left to the converters, which check them with JSON paths
 * (`value.a[2]: numbers must be finite`) while converting anyway.
 */
export function decodeRequest<D extends DescMessage>(schema: D, bytes: Uint8Array): MessageShape<D> {
  let message: MessageShape<D>;
  try {
    message = fromBinary(schema, bytes);
  } catch (e) {
    const utf8 = invalidUtf8Path(schema, bytes);
    if (utf8 !== undefined) throw FabricError.invalid(utf8, `must be valid UTF-8 (request cannot be decoded as ${schema.typeName})`);
    const reason = (e as Error).message.replace(/^cannot decode message [\w.]+ from binary: /, "");
    throw FabricError.invalid("request", `cannot be decoded as ${schema.typeName}: ${reason}`);
  }
  checkMessage(schema, message as Record<string, unknown>, "");
  return message;
}

// ---- values protobuf accepts but the fabric's requests may not carry ----

const MIN_TIMESTAMP_SECONDS = -62_135_596_800n; // 0001-01-01T00:00:00Z
const MAX_TIMESTAMP_SECONDS = 253_402_300_799n; // 9999-12-31T23:59:59Z
const MAX_DURATION_SECONDS = 315_576_000_000n; // 10,000 years
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

const INT64_TYPES = new Set([ScalarType.INT64, ScalarType.UINT64, ScalarType.SINT64, ScalarType.FIXED64, ScalarType.SFIXED64]);
const FLOAT_TYPES = new Set([ScalarType.DOUBLE, ScalarType.FLOAT]);
const NOT_CHECKED = new Set(["google.protobuf.Value", "google.protobuf.Struct", "google.protobuf.ListValue"]);

/** What to check in a field's value: a scalar rule, a well-known type, or a message to descend into. */
type Check = "double" | "int64" | "timestamp" | "duration" | DescMessage;

/** Per message type, the fields holding something to check; empty for most (decided once). */
const plans = new Map<DescMessage, readonly [DescField, Check][]>();

function planOf(desc: DescMessage, visiting = new Set<DescMessage>()): readonly [DescField, Check][] {
  const known = plans.get(desc);
  if (known) return known;
  visiting.add(desc);
  const plan: [DescField, Check][] = [];
  for (const field of desc.fields) {
    const check = checkFor(field, visiting);
    if (check) plan.push([field, check]);
  }
  visiting.delete(desc);
  plans.set(desc, plan);
  return plan;
}

function checkFor(field: DescField, visiting: Set<DescMessage>): Check | undefined {
  const scalar = field.fieldKind === "scalar" ? field.scalar : field.fieldKind === "list" || field.fieldKind === "map" ? field.scalar : undefined;
  if (scalar !== undefined && FLOAT_TYPES.has(scalar)) return "double";
  if (scalar !== undefined && INT64_TYPES.has(scalar)) return "int64";
  const message = field.message;
  if (!message || NOT_CHECKED.has(message.typeName)) return undefined;
  if (message.typeName === "google.protobuf.Timestamp") return "timestamp";
  if (message.typeName === "google.protobuf.Duration") return "duration";
  // A recursive type is descended into; the decoder's depth limit bounds the walk.
  if (visiting.has(message)) return message;
  return planOf(message, visiting).length > 0 ? message : undefined;
}

function checkMessage(desc: DescMessage, message: Record<string, unknown>, path: string): void {
  for (const [field, check] of planOf(desc)) {
    const value = fieldValue(field, message);
    if (value === undefined) continue;
    const at = path + (path ? "." : "") + field.name;
    if (field.fieldKind === "list") (value as unknown[]).forEach((v, i) => checkValue(check, v, `${at}[${i}]`));
    else if (field.fieldKind === "map") for (const [k, v] of Object.entries(value as object)) checkValue(check, v, `${at}.${k}`);
    else checkValue(check, value, at);
  }
}

/** The field's value in a decoded message; a oneof member only when it is the case set. */
function fieldValue(field: DescField, message: Record<string, unknown>): unknown {
  if (!field.oneof) return message[field.localName];
  const oneof = message[field.oneof.localName] as { case?: string; value?: unknown };
  return oneof.case === field.localName ? oneof.value : undefined;
}

function checkValue(check: Check, value: unknown, at: string): void {
  switch (check) {
    case "double":
      if (!Number.isFinite(value)) throw FabricError.invalid(at, "must be a finite number");
      return;
    case "int64": {
      const n = BigInt(value as bigint);
      if (n > MAX_SAFE || n < -MAX_SAFE) throw FabricError.invalid(at, `must be between -${MAX_SAFE} and ${MAX_SAFE} (2^53 - 1)`);
      return;
    }
    case "timestamp": {
      const { seconds, nanos } = value as { seconds: bigint; nanos: number };
      if (seconds < MIN_TIMESTAMP_SECONDS || seconds > MAX_TIMESTAMP_SECONDS || nanos < 0 || nanos > 999_999_999) {
        throw FabricError.invalid(at, "must be a Timestamp from 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z, with nanos from 0 to 999999999");
      }
      return;
    }
    case "duration": {
      const { seconds, nanos } = value as { seconds: bigint; nanos: number };
      const mixedSigns = (seconds > 0n && nanos < 0) || (seconds < 0n && nanos > 0);
      if (seconds > MAX_DURATION_SECONDS || seconds < -MAX_DURATION_SECONDS || Math.abs(nanos) > 999_999_999 || mixedSigns) {
        throw FabricError.invalid(at, "must be a Duration of at most 10,000 years, with |nanos| below 1e9 and of the same sign as seconds");
      }
      return;
    }
    default:
      checkMessage(check, value as Record<string, unknown>, at);
  }
}

// ---- where a string is not UTF-8 ----

/**
 * The path of the first string field that is not valid UTF-8, reading the bytes as protobuf-es does;
 * undefined when there is none (or the bytes break off before one is found). Runs only for a request
 * that failed to decode, to name the field.
 */
function invalidUtf8Path(schema: DescMessage, bytes: Uint8Array): string | undefined {
  try {
    return scanMessage(schema, new BinaryReader(bytes), bytes.byteLength, "", 0);
  } catch {
    return undefined;
  }
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });
const MAX_DEPTH = 100;

function isUtf8(bytes: Uint8Array): boolean {
  try {
    strictUtf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

function scanMessage(desc: DescMessage, reader: BinaryReader, length: number, path: string, depth: number): string | undefined {
  if (depth >= MAX_DEPTH) return undefined;
  const end = reader.pos + length;
  const seen = new Map<number, number>();
  while (reader.pos < end) {
    const [number, wireType] = reader.tag();
    const field = desc.fields.find((f) => f.number === number);
    if (!field) {
      reader.skip(wireType, number);
      continue;
    }
    const index = seen.get(number) ?? 0;
    seen.set(number, index + 1);
    const at = path + (path ? "." : "") + field.name + (field.fieldKind === "list" ? `[${index}]` : "");
    const found = scanField(field, wireType, reader, at, depth);
    if (found !== undefined) return found;
  }
  return undefined;
}

function scanField(field: DescField, wireType: WireType, reader: BinaryReader, at: string, depth: number): string | undefined {
  switch (field.fieldKind) {
    case "scalar":
      return scanScalar(field.scalar, reader, at);
    case "enum":
      reader.int32();
      return undefined;
    case "message":
      return scanMessage(field.message, reader, reader.uint32(), at, depth + 1);
    case "list":
      if (field.listKind === "message") return scanMessage(field.message, reader, reader.uint32(), at, depth + 1);
      if (field.listKind === "enum" || (wireType === WireType.LengthDelimited && field.scalar !== ScalarType.STRING && field.scalar !== ScalarType.BYTES)) {
        reader.skip(WireType.LengthDelimited);
        return undefined;
      }
      return scanScalar(field.scalar, reader, at);
    case "map": {
      const end = reader.uint32() + reader.pos;
      let key = "";
      while (reader.pos < end) {
        const [number] = reader.tag();
        if (number === 1) {
          if (field.mapKey !== ScalarType.STRING) {
            scanScalar(field.mapKey, reader, at);
            continue;
          }
          const bytes = reader.bytes();
          if (!isUtf8(bytes)) return `${at} (a key)`;
          key = strictUtf8.decode(bytes);
          // The name is echoed in the status message: a long key is cut.
          if (key.length > 64) key = `${key.slice(0, 64)}…`;
        } else if (number === 2) {
          const value = `${at}.${key}`;
          let found: string | undefined;
          if (field.mapKind === "message") found = scanMessage(field.message, reader, reader.uint32(), value, depth + 1);
          else if (field.mapKind === "enum") reader.int32();
          else found = scanScalar(field.scalar, reader, value);
          if (found !== undefined) return found;
        }
      }
      return undefined;
    }
  }
}

/** Reads one scalar as protobuf-es does (by the field's type, not the wire type); the path when it is a bad string. */
function scanScalar(type: ScalarType, reader: BinaryReader, at: string): string | undefined {
  switch (type) {
    case ScalarType.STRING:
      return isUtf8(reader.bytes()) ? undefined : at;
    case ScalarType.BYTES:
      reader.bytes();
      return undefined;
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      reader.skip(WireType.Bit64);
      return undefined;
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      reader.skip(WireType.Bit32);
      return undefined;
    default:
      reader.skip(WireType.Varint);
      return undefined;
  }
}
