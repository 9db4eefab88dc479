import * as grpc from "@grpc/grpc-js";
import { type DescFile, toBinary } from "@bufbuild/protobuf";
import { type DescriptorProto, type EnumDescriptorProto, type FileDescriptorProto, FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { file_cachefabric_v1_context } from "@cache-fabric/client/gen/context";
import { file_cachefabric_v1_execution } from "@cache-fabric/client/gen/execution";
import { file_cachefabric_v1_prompt } from "@cache-fabric/client/gen/prompt";
import { file_cachefabric_v1_search } from "@cache-fabric/client/gen/search";
import { HEALTH_FILE } from "./health-descriptor.js";
import { decodeReflectionRequest, encodeReflectionResponse, type ReflectionAnswer, type ReflectionQuery } from "./reflection-wire.js";

/** The fabric's contract as the generated code embeds it (each with its imports: the well-known types). */
const FABRIC_FILES: DescFile[] = [file_cachefabric_v1_context, file_cachefabric_v1_search, file_cachefabric_v1_execution, file_cachefabric_v1_prompt];

/** Both protocol versions grpcurl and other tools speak; v1alpha is what older clients ask for. */
const REFLECTION_SERVICES = ["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"];

/**
 * What reflection knows: every file by name (as FileDescriptorProto bytes, exactly what protoc and
 * buf produce), every fully-qualified symbol by the file that defines it, and the services offered.
 */
export interface DescriptorIndex {
  services: string[];
  /** A file's serialized FileDescriptorProto and the names of the files it imports. */
  files: Map<string, { bytes: Uint8Array; dependencies: string[] }>;
  /** Fully-qualified name (message, field, enum, enum value, service, method, extension) → file name. */
  symbols: Map<string, string>;
  /** Extended message (fully qualified) → extension number → file name. */
  extensions: Map<string, Map<number, string>>;
}

/** Builds the index over `files` and everything they import. */
export function createDescriptorIndex(files: FileDescriptorProto[], services: string[]): DescriptorIndex {
  const index: DescriptorIndex = { services, files: new Map(), symbols: new Map(), extensions: new Map() };
  for (const file of files) {
    if (index.files.has(file.name)) continue;
    index.files.set(file.name, { bytes: toBinary(FileDescriptorProtoSchema, file), dependencies: file.dependency });
    const scope = file.package ? `${file.package}.` : "";
    const symbol = (name: string) => index.symbols.set(name, file.name);
    const extension = (extendee: string, number: number) => {
      const byNumber = index.extensions.get(extendee.replace(/^\./, "")) ?? new Map<number, string>();
      byNumber.set(number, file.name);
      index.extensions.set(extendee.replace(/^\./, ""), byNumber);
    };
    const enums = (list: EnumDescriptorProto[], prefix: string) => {
      for (const e of list) {
        symbol(prefix + e.name);
        // Enum values are siblings of their enum in protobuf's scoping.
        for (const v of e.value) symbol(prefix + v.name);
      }
    };
    const messages = (list: DescriptorProto[], prefix: string) => {
      for (const m of list) {
        const name = prefix + m.name;
        symbol(name);
        for (const f of m.field) symbol(`${name}.${f.name}`);
        for (const o of m.oneofDecl) symbol(`${name}.${o.name}`);
        for (const x of m.extension) {
          symbol(`${name}.${x.name}`);
          extension(x.extendee, x.number);
        }
        enums(m.enumType, `${name}.`);
        messages(m.nestedType, `${name}.`);
      }
    };
    messages(file.messageType, scope);
    enums(file.enumType, scope);
    for (const x of file.extension) {
      symbol(scope + x.name);
      extension(x.extendee, x.number);
    }
    for (const s of file.service) {
      symbol(scope + s.name);
      for (const m of s.method) symbol(`${scope}${s.name}.${m.name}`);
    }
  }
  return index;
}

/** The descriptors of what this server serves: the fabric's files with their imports, and health's when it is on. */
export function fabricDescriptorIndex(options: { health: boolean }): DescriptorIndex {
  const files: FileDescriptorProto[] = [];
  const seen = new Set<DescFile>();
  const walk = (file: DescFile) => {
    if (seen.has(file)) return;
    seen.add(file);
    files.push(file.proto);
    file.dependencies.forEach(walk);
  };
  FABRIC_FILES.forEach(walk);
  const services = FABRIC_FILES.flatMap((f) => f.services.map((s) => s.typeName));
  if (options.health) {
    files.push(HEALTH_FILE);
    services.push("grpc.health.v1.Health");
  }
  return createDescriptorIndex(files, services);
}

/**
 * Answers one query. Files come back as the grpc reflection servers of Go and C++ send them: the
 * file asked for first, then its transitive imports, leaving out files this stream already sent
 * (`sent`), so a client assembling a pool from the answers gets every file exactly once.
 */
export function answerQuery(index: DescriptorIndex, query: ReflectionQuery, sent: Set<string>): ReflectionAnswer {
  const notFound = (what: string): ReflectionAnswer => ({ kind: "error", code: grpc.status.NOT_FOUND, message: `${what} not found` });
  const withImports = (name: string): ReflectionAnswer => {
    const order: string[] = [];
    const visit = (n: string) => {
      if (order.includes(n) || (n !== name && sent.has(n))) return;
      order.push(n);
      index.files.get(n)?.dependencies.forEach(visit);
    };
    visit(name);
    for (const n of order) sent.add(n);
    return { kind: "files", files: order.flatMap((n) => index.files.get(n)?.bytes ?? []) };
  };
  switch (query.kind) {
    case "listServices":
      return { kind: "services", names: index.services };
    case "fileByFilename":
      return index.files.has(query.name) ? withImports(query.name) : notFound(`file "${query.name}"`);
    case "fileContainingSymbol": {
      const file = index.symbols.get(query.symbol.replace(/^\./, ""));
      return file ? withImports(file) : notFound(`symbol "${query.symbol}"`);
    }
    case "fileContainingExtension": {
      const file = index.extensions.get(query.containingType.replace(/^\./, ""))?.get(query.extensionNumber);
      return file ? withImports(file) : notFound(`extension ${query.extensionNumber} of "${query.containingType}"`);
    }
    case "allExtensionNumbersOfType": {
      const type = query.type.replace(/^\./, "");
      if (!index.symbols.has(type)) return notFound(`type "${query.type}"`);
      return { kind: "extensionNumbers", baseTypeName: type, numbers: [...(index.extensions.get(type)?.keys() ?? [])].sort((a, b) => a - b) };
    }
    case "none":
      return {
        kind: "error",
        code: grpc.status.INVALID_ARGUMENT,
        message:
          "message_request: one of file_by_filename, file_containing_symbol, file_containing_extension, all_extension_numbers_of_type, list_services is required",
      };
  }
}

/**
 * Largest request decoded. A real one is a name or two (well under 1 KiB); the cap keeps a crafted
 * message of millions of fields from holding the event loop while it is skipped through.
 */
export const MAX_REFLECTION_REQUEST_BYTES = 64 * 1024;

const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
const identity = (b: Buffer) => b;

/**
 * gRPC server reflection, grpc.reflection.v1 and v1alpha, so grpcurl, Postman and similar tools can
 * list, describe and call the services without the .proto files. The descriptors are the
 * FileDescriptorProtos the generated protobuf-es code embeds (what buf compiled from proto/, with
 * real file names, imports and qualified type names), not proto-loader's reconstruction, which
 * protoc-based tools reject (grpc/grpc-node#3034). A bidirectional stream, so it registers with
 * grpc-js directly rather than through the fabric's adapter (unary and server streams only).
 */
export function addReflection(server: grpc.Server, options: { health: boolean }): void {
  const index = fabricDescriptorIndex(options);
  for (const service of REFLECTION_SERVICES) {
    const definition: grpc.ServiceDefinition = {
      ServerReflectionInfo: {
        path: `/${service}/ServerReflectionInfo`,
        requestStream: true,
        responseStream: true,
        requestSerialize: identity,
        requestDeserialize: identity,
        responseSerialize: identity,
        responseDeserialize: identity,
      },
    };
    server.addService(definition, { ServerReflectionInfo: (call: grpc.ServerDuplexStream<Buffer, Buffer>) => serve(index, call) });
  }
}

function serve(index: DescriptorIndex, call: grpc.ServerDuplexStream<Buffer, Buffer>): void {
  const sent = new Set<string>();
  let failed = false;
  call.on("data", (bytes: Buffer) => {
    if (failed) return;
    let request: ReturnType<typeof decodeReflectionRequest>;
    try {
      if (bytes.length > MAX_REFLECTION_REQUEST_BYTES) throw new Error(`${bytes.length} bytes, over the ${MAX_REFLECTION_REQUEST_BYTES} a request may have`);
      request = decodeReflectionRequest(bytes);
    } catch (e) {
      failed = true;
      call.emit("error", { code: grpc.status.INVALID_ARGUMENT, details: `ServerReflectionRequest: cannot decode (${(e as Error).message})` });
      return;
    }
    const response = encodeReflectionResponse(request.host, bytes, answerQuery(index, request.query, sent));
    // A client that does not read its answers is not buffered for without bound: stop reading until it drains.
    if (!call.write(asBuffer(response))) {
      call.pause();
      call.once("drain", () => call.resume());
    }
  });
  call.on("end", () => {
    if (!failed) call.end();
  });
  call.on("error", () => undefined);
}
