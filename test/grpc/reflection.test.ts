import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as grpc from "@grpc/grpc-js";
import { create, createFileRegistry, equals, fromBinary, fromJson, toBinary, toJson, type DescMessage, type FileRegistry } from "@bufbuild/protobuf";
import { type FileDescriptorProto, FileDescriptorProtoSchema, FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { ContextService } from "@cache-fabric/client/gen/context";
import { ExecutionService } from "@cache-fabric/client/gen/execution";
import { PromptService } from "@cache-fabric/client/gen/prompt";
import { SearchService } from "@cache-fabric/client/gen/search";
import { createMemoryStore } from "../../server/store/memory.js";
import { startOpsServer, type OpsTestServer } from "../support/ops-server.js";
import { reflectionClient, type ReflectionClient } from "../support/reflection-client.js";
import { runProcess } from "../support/run-process.js";

/**
 * Server reflection over real gRPC, spoken as grpcurl speaks it, judged by what tools do with the
 * answers: a descriptor pool built from them alone (protobuf-es, and protobuf's C++ pool through
 * Debian's Python), JSON requests built from that pool, and a call made with it.
 */
const root = join(__dirname, "../..");
const FABRIC = [ContextService.typeName, SearchService.typeName, ExecutionService.typeName, PromptService.typeName];

let t: OpsTestServer;
let reflection: ReflectionClient;
beforeAll(async () => {
  t = await startOpsServer(createMemoryStore());
  reflection = reflectionClient(t.address);
  await t.fabric.setContext({ key: "router:main:system_message", value: "You are a helpful assistant", metadata: { version: "2" } });
});
afterAll(async () => {
  reflection?.close();
  await t?.stop();
});

/** Every file the answers for `symbols` hold, decoded, each once (as grpcurl assembles them). */
async function filesFor(client: ReflectionClient, symbols: string[]): Promise<FileDescriptorProto[]> {
  const byName = new Map<string, FileDescriptorProto>();
  for (const s of symbols) {
    for (const bytes of await client.fileContainingSymbol(s)) {
      const file = fromBinary(FileDescriptorProtoSchema, bytes);
      byName.set(file.name, file);
    }
  }
  return [...byName.values()];
}

/** A registry of the files, imports first (the order a FileDescriptorSet needs; answers list the asked-for file first). */
function registryOf(files: FileDescriptorProto[]): FileRegistry {
  const ordered: FileDescriptorProto[] = [];
  const byName = new Map(files.map((f) => [f.name, f]));
  const visit = (f: FileDescriptorProto) => {
    if (ordered.includes(f)) return;
    for (const d of f.dependency) visit(byName.get(d) ?? fail(`${f.name} imports ${d}, which no answer held`));
    ordered.push(f);
  };
  files.forEach(visit);
  return createFileRegistry(create(FileDescriptorSetSchema, { file: ordered }));
}

function fail(message: string): never {
  throw new Error(message);
}

/** A unary call with raw bytes, as a dynamic client (grpcurl) makes it. */
function callRaw(address: string, path: string, request: Uint8Array): Promise<Uint8Array> {
  const client = new grpc.Client(address, grpc.credentials.createInsecure());
  return new Promise<Uint8Array>((resolve, reject) => {
    client.makeUnaryRequest(
      path,
      (b: Uint8Array) => Buffer.from(b),
      (b: Buffer) => b,
      request,
      (err, res) => (err ? reject(err) : resolve(res!)),
    );
  }).finally(() => client.close());
}

describe("server reflection", () => {
  test("lists every fabric service and health (what `grpcurl list` shows)", async () => {
    expect((await reflection.listServices()).sort()).toEqual([...FABRIC, "grpc.health.v1.Health"].sort());
  });

  test("v1alpha answers the same (older grpcurl and tools ask for it)", async () => {
    const alpha = reflectionClient(t.address, "v1alpha");
    try {
      expect((await alpha.listServices()).sort()).toEqual((await reflection.listServices()).sort());
      const [first] = await alpha.fileContainingSymbol(ContextService.typeName);
      expect(fromBinary(FileDescriptorProtoSchema, first).name).toBe("cachefabric/v1/context.proto");
    } finally {
      alpha.close();
    }
  });

  test("a registry built from the answers alone describes every service and calls GetContext with JSON it built", async () => {
    const services = await reflection.listServices();
    const registry = registryOf(await filesFor(reflection, services));
    // `grpcurl describe`: every service with the methods the generated code has, streaming flags included.
    for (const generated of [ContextService, SearchService, ExecutionService, PromptService]) {
      const described = registry.getService(generated.typeName)!;
      expect(described.methods.map((m) => [m.name, m.methodKind, m.input.typeName, m.output.typeName])).toEqual(
        generated.methods.map((m) => [m.name, m.methodKind, m.input.typeName, m.output.typeName]),
      );
    }
    expect(registry.getService("grpc.health.v1.Health")!.methods.map((m) => `${m.name}:${m.methodKind}`)).toEqual([
      "Check:unary",
      "Watch:server_streaming",
      "List:unary",
    ]);
    // `grpcurl -d '{...}' ... cachefabric.v1.ContextService/GetContext`
    const method = registry.getService(ContextService.typeName)!.methods.find((m) => m.name === "GetContext")!;
    const request = fromJson(method.input as DescMessage, { key: "router:main:system_message", scope: "SCOPE_GLOBAL" }, { registry });
    const answer = await callRaw(t.address, `/${ContextService.typeName}/GetContext`, toBinary(method.input as DescMessage, request));
    const json = toJson(method.output as DescMessage, fromBinary(method.output as DescMessage, answer), { registry }) as { context: Record<string, unknown> };
    expect(json.context).toMatchObject({
      key: "router:main:system_message",
      scope: "SCOPE_GLOBAL",
      value: "You are a helpful assistant",
      metadata: { version: "2" },
    });
  });

  test("protobuf's C++ descriptor pool accepts the answers and calls GetContext with them (Debian's Python, cpp backend)", async () => {
    const files = (await filesFor(reflection, [ContextService.typeName])).map((f) => Buffer.from(toBinary(FileDescriptorProtoSchema, f)).toString("base64"));
    const job = JSON.stringify({ address: t.address, files, request: { key: "router:main:system_message", scope: "SCOPE_GLOBAL" } });
    const run = await runProcess("/usr/bin/python3", [join(__dirname, "reflection-pool.py")], { cwd: root, input: job });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report.implementation).toBe("cpp");
    expect(report.files).toEqual(
      expect.arrayContaining([
        "cachefabric/v1/context.proto",
        "google/protobuf/struct.proto",
        "google/protobuf/timestamp.proto",
        "google/protobuf/duration.proto",
      ]),
    );
    expect(report.response.context).toMatchObject({ key: "router:main:system_message", value: "You are a helpful assistant" });
  }, 60_000);

  test("the descriptors are exactly what protoc makes of proto/ (and of grpc-health-check's health.proto)", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cf-protoc-"));
    try {
      const compile = async (include: string, files: string[]) => {
        const out = join(dir, `${files.length}.pb`);
        const run = await runProcess("protoc", [`-I${include}`, "--include_imports", `--descriptor_set_out=${out}`, ...files], { cwd: root });
        expect(run).toMatchObject({ code: 0, stderr: "" });
        return fromBinary(FileDescriptorSetSchema, readFileSync(out)).file;
      };
      const protoc = await compile("proto", ["cachefabric/v1/context.proto", "cachefabric/v1/search.proto", "cachefabric/v1/execution.proto", "cachefabric/v1/prompt.proto"]);
      const served = await filesFor(reflection, FABRIC);
      expect(served.map((f) => f.name).sort()).toEqual(protoc.map((f) => f.name).sort());
      for (const file of protoc) {
        const ours = served.find((f) => f.name === file.name)!;
        expect({ name: file.name, same: equals(FileDescriptorProtoSchema, ours, file) }).toEqual({ name: file.name, same: true });
      }
      const [health] = await compile(join(root, "node_modules/grpc-health-check/proto"), ["health/v1/health.proto"]);
      const servedHealth = (await filesFor(reflection, ["grpc.health.v1.Health"]))[0];
      // grpc-health-check ships the file at health/v1/; grpc's canonical name is grpc/health/v1/health.proto.
      expect(servedHealth.name).toBe("grpc/health/v1/health.proto");
      expect(equals(FileDescriptorProtoSchema, servedHealth, { ...health, name: servedHealth.name })).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("symbols of every kind resolve to their file; files by name; unknown ones are NOT_FOUND in the answer", async () => {
    for (const symbol of [
      "cachefabric.v1.Context",
      "cachefabric.v1.ContextService.GetContext",
      "cachefabric.v1.Scope",
      "cachefabric.v1.SCOPE_USER",
      ".cachefabric.v1.Context",
      "google.protobuf.Struct",
    ]) {
      const [first] = await reflection.fileContainingSymbol(symbol);
      expect({ symbol, file: fromBinary(FileDescriptorProtoSchema, first).name }).toEqual({
        symbol,
        file: symbol.startsWith("google") ? "google/protobuf/struct.proto" : "cachefabric/v1/context.proto",
      });
    }
    const byName = await reflection.fileByFilename("cachefabric/v1/search.proto");
    expect(byName.map((b) => fromBinary(FileDescriptorProtoSchema, b).name)).toEqual(
      expect.arrayContaining(["cachefabric/v1/search.proto", "cachefabric/v1/context.proto"]),
    );
    for (const request of [
      { file_containing_symbol: "cachefabric.v1.Nope" },
      { file_by_filename: "nope.proto" },
      { file_containing_extension: { containing_type: "cachefabric.v1.Context", extension_number: 100 } },
    ]) {
      const res = await reflection.ask(request);
      expect({ request, error: res.error_response }).toEqual({
        request,
        error: { error_code: grpc.status.NOT_FOUND, error_message: expect.stringMatching(/not found$/) },
      });
      expect(res.original_request).toMatchObject(request);
    }
    const numbers = await reflection.ask({ all_extension_numbers_of_type: "cachefabric.v1.Context" });
    const extensions = numbers.all_extension_numbers_response as { base_type_name: string; extension_number?: number[] };
    // proto-loader leaves an empty repeated field out.
    expect({ ...extensions, extension_number: extensions.extension_number ?? [] }).toEqual({ base_type_name: "cachefabric.v1.Context", extension_number: [] });
  });

  test("on one stream each file is sent once: later answers leave out imports already sent", async () => {
    const [a, b] = await reflection.exchange([{ file_containing_symbol: SearchService.typeName }, { file_containing_symbol: ContextService.typeName }]);
    const names = (r: Record<string, unknown>) =>
      (r.file_descriptor_response as { file_descriptor_proto: Buffer[] }).file_descriptor_proto.map((x) => fromBinary(FileDescriptorProtoSchema, x).name);
    expect(names(a)).toEqual(expect.arrayContaining(["cachefabric/v1/search.proto", "cachefabric/v1/context.proto", "google/protobuf/struct.proto"]));
    expect(names(b)).toEqual(["cachefabric/v1/context.proto"]);
  });

  test("bytes that are not a ServerReflectionRequest end the stream with INVALID_ARGUMENT", async () => {
    const status = await reflection.sendRaw(Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/ServerReflectionRequest: cannot decode/);
    expect(await reflection.listServices()).toContain(ContextService.typeName);
  });

  test("a request over 64 KiB is refused before it is decoded (INVALID_ARGUMENT)", async () => {
    // A valid ServerReflectionRequest (host = 70,000 "a"), too large to be a real one.
    const host = Buffer.alloc(70_000, 0x61);
    const status = await reflection.sendRaw(Buffer.concat([Buffer.from([0x0a, 0xf0, 0xa2, 0x04]), host]));
    expect(status.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(status.details).toMatch(/70004 bytes, over the 65536 a request may have/);
  });

  test("FABRIC_REFLECTION=false: not served", async () => {
    const off = await startOpsServer(createMemoryStore(), { config: { reflection: false } });
    const client = reflectionClient(off.address);
    await expect(client.listServices()).rejects.toMatchObject({ code: grpc.status.UNIMPLEMENTED });
    client.close();
    await off.stop();
  });

  test("without health, health is neither listed nor described", async () => {
    const noHealth = await startOpsServer(createMemoryStore(), { config: { health: false } });
    const client = reflectionClient(noHealth.address);
    try {
      expect((await client.listServices()).sort()).toEqual([...FABRIC].sort());
      expect((await client.ask({ file_containing_symbol: "grpc.health.v1.Health" })).error_response).toMatchObject({ error_code: grpc.status.NOT_FOUND });
    } finally {
      client.close();
      await noHealth.stop();
    }
  });
});
