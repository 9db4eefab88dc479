import * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { service as healthService } from "grpc-health-check";
import { dirname, join } from "node:path";

/** A grpc.health.v1 client (what Kubernetes' gRPC probe and load balancers call), from the library's own definition. */
export interface HealthClient {
  /** `{ status }` when answered, `{ code }` (a gRPC status code) when refused. */
  check(service?: string): Promise<{ status?: string; code?: number }>;
  /** Opens a Watch; `statuses` fills as the server sends them; `ended` resolves with the final status code. */
  watch(service?: string): { statuses: string[]; ended: Promise<number>; cancel(): void };
  close(): void;
}

export function healthClient(address: string, credentials = grpc.credentials.createInsecure()): HealthClient {
  const Ctor = grpc.makeClientConstructor(healthService as grpc.ServiceDefinition, "Health");
  const client = new Ctor(address, credentials) as grpc.Client & Record<string, (...a: unknown[]) => unknown>;
  return {
    check(service = "") {
      return new Promise((resolve) =>
        client.check({ service }, { deadline: Date.now() + 2000 }, (err: grpc.ServiceError | null, res: { status: string }) =>
          resolve(err ? { code: err.code } : { status: res.status }),
        ),
      );
    },
    watch(service = "") {
      const statuses: string[] = [];
      const call = client.watch({ service }) as grpc.ClientReadableStream<{ status: string }>;
      call.on("data", (m: { status: string }) => statuses.push(m.status));
      const ended = new Promise<number>((resolve) => {
        call.on("status", (s: grpc.StatusObject) => resolve(s.code));
        call.on("error", () => undefined);
      });
      return { statuses, ended, cancel: () => call.cancel() };
    },
    close: () => client.close(),
  };
}

/**
 * A tiny gRPC server-reflection client (grpc.reflection.v1, the protocol grpcurl speaks), from the
 * reflection proto that @grpc/reflection ships, loaded with proto-loader.
 */
export interface ReflectionClient {
  listServices(): Promise<string[]>;
  /** Serialized FileDescriptorProtos of the file defining `symbol` (and what it depends on). */
  fileContainingSymbol(symbol: string): Promise<Buffer[]>;
  close(): void;
}

export function reflectionClient(address: string, credentials = grpc.credentials.createInsecure()): ReflectionClient {
  const protoDir = join(dirname(require.resolve("@grpc/reflection/package.json")), "build/proto");
  const definition = loadSync("grpc/reflection/v1/reflection.proto", { includeDirs: [protoDir], keepCase: true, oneofs: true });
  const loaded = grpc.loadPackageDefinition(definition) as unknown as {
    grpc: { reflection: { v1: { ServerReflection: grpc.ServiceClientConstructor } } };
  };
  const client = new loaded.grpc.reflection.v1.ServerReflection(address, credentials);
  const ask = (request: object) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const call = (client as unknown as { ServerReflectionInfo(): grpc.ClientDuplexStream<object, Record<string, unknown>> }).ServerReflectionInfo();
      call.once("data", (response) => {
        resolve(response);
        call.end();
      });
      call.once("error", reject);
      call.write(request);
    });
  return {
    async listServices() {
      const res = await ask({ list_services: "" });
      const list = res.list_services_response as { service: { name: string }[] } | undefined;
      if (!list) throw Object.assign(new Error(`no list in ${JSON.stringify(res)}`), { response: res });
      return list.service.map((s) => s.name);
    },
    async fileContainingSymbol(symbol) {
      const res = await ask({ file_containing_symbol: symbol });
      const files = res.file_descriptor_response as { file_descriptor_proto: Buffer[] } | undefined;
      if (!files) throw Object.assign(new Error(`no file for ${symbol}: ${JSON.stringify(res.error_response)}`), { response: res });
      return files.file_descriptor_proto;
    },
    close: () => client.close(),
  };
}
