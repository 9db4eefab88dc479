import type * as grpc from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { ReflectionService } from "@grpc/reflection";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { protoPath as healthProtoPath } from "grpc-health-check";

/** The fabric's contract, relative to the `proto/` folder. */
const FABRIC_PROTOS = ["cachefabric/v1/context.proto", "cachefabric/v1/search.proto", "cachefabric/v1/execution.proto"];

/**
 * gRPC server reflection (grpc.reflection.v1 and v1alpha, via @grpc/reflection), so `grpcurl`,
 * Postman and similar tools can list and call the services without the .proto files. The
 * descriptors come from `proto/` itself, the same files the generated code comes from (CI fails if
 * they differ), loaded with proto-loader; google/protobuf well-known types resolve from
 * protobufjs's bundled copies. With `health`, grpc.health.v1 is listed too.
 */
export function addReflection(server: grpc.Server, options: { health: boolean; protoRoot?: string }): void {
  const root = options.protoRoot ?? findProtoRoot();
  const files = options.health ? [...FABRIC_PROTOS, "health/v1/health.proto"] : FABRIC_PROTOS;
  const definition = loadSync(files, { includeDirs: [root, join(dirname(healthProtoPath), "../..")] });
  new ReflectionService(definition).addToServer(server);
}

/**
 * `proto/` beside the package: two levels above this file in the source tree (server/grpc), three in
 * the build (dist/server/grpc). Walks up rather than hard-coding either.
 */
export function findProtoRoot(from: string = __dirname): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, "proto");
    if (existsSync(join(candidate, FABRIC_PROTOS[0]))) return candidate;
    if (dirname(dir) === dir) throw new Error(`reflection: no proto/${FABRIC_PROTOS[0]} above ${from}`);
  }
}
