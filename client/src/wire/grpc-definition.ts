import { fromBinary, toBinary, type DescMessage, type DescMethod, type DescService } from "@bufbuild/protobuf";
import type { MethodDefinition, ServiceDefinition } from "@grpc/grpc-js";
import "./proto-map-keys.js";

/**
 * The bridge between protobuf-es descriptors and grpc-js: protoc-gen-es v2 generates descriptors, not
 * grpc-js definitions, so one generic function derives them (path `/pkg.Service/Method`, binary
 * (de)serialisation, stream flags from the method kind). Server and client both use it, so the two
 * sides can never disagree on a path or an encoding.
 */
export function grpcServiceDefinition(service: DescService, options: DefinitionOptions = {}): ServiceDefinition {
  const definition: Record<string, MethodDefinition<object, object>> = {};
  for (const method of service.methods) definition[method.localName] = grpcMethodDefinition(method, options);
  return definition as ServiceDefinition;
}

export interface DefinitionOptions {
  /**
   * Requests reach the handler as the raw bytes (a Buffer), undecoded. The server uses it: grpc-js
   * answers a request its deserializer throws on with INTERNAL before any handler runs, so the server
   * decodes in its own code and answers INVALID_ARGUMENT (server/grpc/decode-request.ts).
   */
  rawRequests?: boolean;
}

export function grpcMethodDefinition(method: DescMethod, options: DefinitionOptions = {}): MethodDefinition<object, object> {
  return {
    path: grpcMethodPath(method),
    originalName: method.localName,
    requestStream: method.methodKind === "client_streaming" || method.methodKind === "bidi_streaming",
    responseStream: method.methodKind === "server_streaming" || method.methodKind === "bidi_streaming",
    requestSerialize: serializer(method.input),
    requestDeserialize: options.rawRequests ? (bytes: Buffer) => bytes : deserializer(method.input),
    responseSerialize: serializer(method.output),
    responseDeserialize: deserializer(method.output),
  };
}

export function grpcMethodPath(method: DescMethod): string {
  return `/${method.parent.typeName}/${method.name}`;
}

function serializer(schema: DescMessage) {
  // grpc-js needs a Buffer, not a plain Uint8Array: wrap the bytes without copying.
  return (message: object) => {
    const bytes = toBinary(schema, message as never);
    return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  };
}

function deserializer(schema: DescMessage) {
  return (bytes: Buffer) => fromBinary(schema, bytes) as object;
}
