import { fromBinary } from "@bufbuild/protobuf";
import { FileDescriptorProtoSchema } from "@bufbuild/protobuf/wkt";
import { ContextService } from "@cache-fabric/client/gen/context";
import { ExecutionService } from "@cache-fabric/client/gen/execution";
import { SearchService } from "@cache-fabric/client/gen/search";
import { createMemoryStore } from "../../server/store/memory.js";
import { reflectionClient } from "../support/health-client.js";
import { startOpsServer } from "../support/ops-server.js";

/** Server reflection over real gRPC, spoken as grpcurl speaks it (grpc.reflection.v1). */
describe("server reflection", () => {
  test("lists every fabric service, health and reflection itself", async () => {
    const t = await startOpsServer(createMemoryStore());
    const reflection = reflectionClient(t.address);
    const services = await reflection.listServices();
    expect(services).toEqual(
      expect.arrayContaining([
        ContextService.typeName,
        SearchService.typeName,
        ExecutionService.typeName,
        "grpc.health.v1.Health",
      ]),
    );
    reflection.close();
    await t.stop();
  });

  test("describes each service with exactly the methods the generated code has (what `grpcurl describe` shows)", async () => {
    const t = await startOpsServer(createMemoryStore());
    const reflection = reflectionClient(t.address);
    for (const service of [ContextService, SearchService, ExecutionService]) {
      const files = (await reflection.fileContainingSymbol(service.typeName)).map((b) => fromBinary(FileDescriptorProtoSchema, b));
      const described = files.flatMap((f) => f.service.map((s) => ({ name: `${f.package}.${s.name}`, methods: s.method.map((m) => m.name) })));
      const found = described.find((s) => s.name === service.typeName);
      expect(found?.methods.sort()).toEqual(service.methods.map((m) => m.name).sort());
    }
    reflection.close();
    await t.stop();
  });

  test("FABRIC_REFLECTION=false: not served", async () => {
    const t = await startOpsServer(createMemoryStore(), { config: { reflection: false } });
    const reflection = reflectionClient(t.address);
    await expect(reflection.listServices()).rejects.toMatchObject({ code: 12 /* UNIMPLEMENTED */ });
    reflection.close();
    await t.stop();
  });
});
