import { BinaryReader, BinaryWriter, WireType } from "@bufbuild/protobuf/wire";

/**
 * The wire form of grpc.reflection.v1 (and v1alpha, which has the same field numbers):
 * ServerReflectionRequest in, ServerReflectionResponse out. Written by hand over protobuf-es's
 * binary reader and writer because the protocol has six small messages and no generated code here;
 * the reflection test talks to it with a client built from the upstream reflection.proto.
 */
export type ReflectionQuery =
  | { kind: "fileByFilename"; name: string }
  | { kind: "fileContainingSymbol"; symbol: string }
  | { kind: "fileContainingExtension"; containingType: string; extensionNumber: number }
  | { kind: "allExtensionNumbersOfType"; type: string }
  | { kind: "listServices" }
  | { kind: "none" };

export interface ReflectionRequest {
  host: string;
  query: ReflectionQuery;
}

export type ReflectionAnswer =
  | { kind: "files"; files: Uint8Array[] }
  | { kind: "services"; names: string[] }
  | { kind: "extensionNumbers"; baseTypeName: string; numbers: number[] }
  | { kind: "error"; code: number; message: string };

/** Decodes a ServerReflectionRequest; throws on bytes that are not one. Unknown fields are skipped. */
export function decodeReflectionRequest(bytes: Uint8Array): ReflectionRequest {
  const reader = new BinaryReader(bytes);
  let host = "";
  let query: ReflectionQuery = { kind: "none" };
  while (reader.pos < reader.len) {
    const [field, wireType] = reader.tag();
    const text = () => {
      if (wireType !== WireType.LengthDelimited) throw new Error(`field ${field}: wrong wire type`);
      return reader.string();
    };
    switch (field) {
      case 1:
        host = text();
        break;
      case 3:
        query = { kind: "fileByFilename", name: text() };
        break;
      case 4:
        query = { kind: "fileContainingSymbol", symbol: text() };
        break;
      case 5: {
        if (wireType !== WireType.LengthDelimited) throw new Error("field 5: wrong wire type");
        const sub = new BinaryReader(reader.bytes());
        const ext = { kind: "fileContainingExtension" as const, containingType: "", extensionNumber: 0 };
        while (sub.pos < sub.len) {
          const [f, w] = sub.tag();
          if (f === 1 && w === WireType.LengthDelimited) ext.containingType = sub.string();
          else if (f === 2 && w === WireType.Varint) ext.extensionNumber = sub.int32();
          else sub.skip(w, f);
        }
        query = ext;
        break;
      }
      case 6:
        query = { kind: "allExtensionNumbersOfType", type: text() };
        break;
      case 7:
        text();
        query = { kind: "listServices" };
        break;
      default:
        reader.skip(wireType, field);
    }
  }
  return { host, query };
}

/** Encodes a ServerReflectionResponse that echoes the request (`original`, as received) with its answer. */
export function encodeReflectionResponse(host: string, original: Uint8Array, answer: ReflectionAnswer): Uint8Array {
  const w = new BinaryWriter();
  if (host) w.tag(1, WireType.LengthDelimited).string(host);
  w.tag(2, WireType.LengthDelimited).bytes(original);
  switch (answer.kind) {
    case "files":
      w.tag(4, WireType.LengthDelimited).fork();
      for (const file of answer.files) w.tag(1, WireType.LengthDelimited).bytes(file);
      w.join();
      break;
    case "extensionNumbers":
      w.tag(5, WireType.LengthDelimited).fork();
      w.tag(1, WireType.LengthDelimited).string(answer.baseTypeName);
      if (answer.numbers.length) {
        w.tag(2, WireType.LengthDelimited).fork();
        for (const n of answer.numbers) w.int32(n);
        w.join();
      }
      w.join();
      break;
    case "services":
      w.tag(6, WireType.LengthDelimited).fork();
      for (const name of answer.names) w.tag(1, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(name).join();
      w.join();
      break;
    case "error":
      w.tag(7, WireType.LengthDelimited).fork();
      w.tag(1, WireType.Varint).int32(answer.code);
      w.tag(2, WireType.LengthDelimited).string(answer.message);
      w.join();
      break;
  }
  return w.finish();
}
