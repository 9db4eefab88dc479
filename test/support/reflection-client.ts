import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { dirname, join } from "node:path";

/**
 * A gRPC server-reflection client as grpcurl speaks the protocol (grpc.reflection.v1, or v1alpha),
 * from the upstream reflection.proto that @grpc/reflection ships, loaded with proto-loader: an
 * implementation independent of the server's hand-written codec. Each `stream()` is one
 * ServerReflectionInfo call; `ask` opens one per request.
 */
export interface ReflectionClient {
  listServices(): Promise<string[]>;
  /** Serialized FileDescriptorProtos: the file defining `symbol`, then its imports. */
  fileContainingSymbol(symbol: string): Promise<Buffer[]>;
  fileByFilename(name: string): Promise<Buffer[]>;
  /** One request on a stream of its own; the raw response (snake_case fields, oneofs named). */
  ask(request: object): Promise<Record<string, unknown>>;
  /** Several requests on one stream, answered in order. */
  exchange(requests: object[]): Promise<Record<string, unknown>[]>;
  /** Raw bytes on a stream (for malformed requests): resolves with the call's final status. */
  sendRaw(bytes: Buffer): Promise<grpc.StatusObject>;
  close(): void;
}

export function reflectionClient(address: string, version: "v1" | "v1alpha" = "v1", credentials = grpc.credentials.createInsecure()): ReflectionClient {
  const protoDir = join(dirname(require.resolve("@grpc/reflection/package.json")), "build/proto");
  const definition = loadSync(`grpc/reflection/${version}/reflection.proto`, { includeDirs: [protoDir], keepCase: true, oneofs: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: Record<string, { ServerReflection: grpc.ServiceClientConstructor }> };
  };
  const client = new loaded.grpc.reflection[version].ServerReflection(address, credentials);
  const open = () => (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, Record<string, unknown>> }).ServerReflectionInfo();
  const exchange = (requests: object[]) =>
    new Promise<Record<string, unknown>[]>((resolve, reject) => {
      const call = open();
      const answers: Record<string, unknown>[] = [];
      call.on("data", (response) => {
        answers.push(response);
        if (answers.length === requests.length) {
          call.end();
          resolve(answers);
        }
      });
      call.once("error", reject);
      for (const r of requests) call.write(r);
    });
  const ask = async (request: object) => (await exchange([request]))[0];
  const files = async (request: object) => {
    const res = await ask(request);
    const found = res.file_descriptor_response as { file_descriptor_proto: Buffer[] } | undefined;
    if (!found) throw Object.assign(new Error(`no files for ${JSON.stringify(request)}: ${JSON.stringify(res.error_response)}`), { response: res });
    return found.file_descriptor_proto;
  };
  const raw = new grpc.Client(address, credentials);
  return {
    async listServices() {
      const res = await ask({ list_services: "" });
      const list = res.list_services_response as { service: { name: string }[] } | undefined;
      if (!list) throw Object.assign(new Error(`no list in ${JSON.stringify(res)}`), { response: res });
      return list.service.map((s) => s.name);
    },
    fileContainingSymbol: (symbol) => files({ file_containing_symbol: symbol }),
    fileByFilename: (name) => files({ file_by_filename: name }),
    ask,
    exchange,
    sendRaw(bytes) {
      return new Promise((resolve) => {
        const call = raw.makeBidiStreamRequest(
          `/grpc.reflection.${version}.ServerReflection/ServerReflectionInfo`,
          (b: Buffer) => b,
          (b: Buffer) => b,
        );
        call.on("data", () => undefined);
        call.on("error", () => undefined);
        call.on("status", resolve);
        call.write(bytes);
        call.end();
      });
    },
    close() {
      client.close();
      raw.close();
    },
  };
}
