import { create, toBinary, type DescMethod } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { ContextService } from "@cache-fabric/client/gen/context";
import { ExecutionService } from "@cache-fabric/client/gen/execution";
import { SearchService } from "@cache-fabric/client/gen/search";
import { createMemoryStore } from "../../server/store/memory.js";
import { startTestServer, type TestServer } from "../support/harness.js";
import { testSearch } from "../support/hash-embedder.js";
import { allMethods, rawCall } from "../support/raw-client.js";
import { fieldSites, type FieldKind } from "../support/request-fields.js";

/**
 * What bad input gets over the wire, sent as raw bytes (no client-side check in the way), to EVERY
 * field of EVERY method, found from the descriptors: INVALID_ARGUMENT whose message starts with the
 * field's name, and nothing written. Before the server decoded requests itself, grpc-js answered
 * undecodable bytes (invalid UTF-8 among them) with INTERNAL, and out-of-range Timestamps, Durations
 * and numbers were accepted or failed deep inside as INTERNAL.
 */

const METHODS = allMethods(ContextService, SearchService, ExecutionService);

/** Bad values of each kind, as protobuf-es init values (strings are replaced by invalid UTF-8 after encoding). */
const BAD: Record<Exclude<FieldKind, "string" | "map-key">, Array<[string, unknown]>> = {
  double: [
    ["NaN", Number.NaN],
    ["Infinity", Number.POSITIVE_INFINITY],
    ["-Infinity", Number.NEGATIVE_INFINITY],
  ],
  int64: [
    ["2^53", 2n ** 53n],
    ["-2^63", -(2n ** 63n)],
  ],
  timestamp: [
    ["nanos -1", { seconds: 1n, nanos: -1 }],
    ["nanos 1e9", { seconds: 1n, nanos: 1_000_000_000 }],
    ["year 10000", { seconds: 253_402_300_800n, nanos: 0 }],
    ["year 0", { seconds: -62_135_596_801n, nanos: 0 }],
  ],
  duration: [
    ["mixed signs", { seconds: 5n, nanos: -1 }],
    ["mixed signs, negative seconds", { seconds: -5n, nanos: 1 }],
    ["nanos 1e9", { seconds: 0n, nanos: 1_000_000_000 }],
    ["over 10,000 years", { seconds: 315_576_000_001n, nanos: 0 }],
  ],
};

/** A marker string whose UTF-8 bytes are swapped for invalid ones after encoding (same length, so framing holds). */
const MARKER = "\u0001MARK\u0001";
const INVALID_UTF8 = Buffer.from([0xff, 0xc3, 0x28, 0xe2, 0x82, 0xed]);

function withInvalidUtf8(bytes: Uint8Array): Buffer {
  const out = Buffer.from(bytes);
  const at = out.indexOf(Buffer.from(MARKER));
  if (at < 0) throw new Error("marker not found");
  INVALID_UTF8.copy(out, at);
  return out;
}

interface Case {
  method: DescMethod;
  what: string;
  body: Buffer;
  field: string;
}

function casesFor(method: DescMethod): Case[] {
  const cases: Case[] = [];
  for (const site of fieldSites(method.input)) {
    if (site.kind === "string" || site.kind === "map-key") {
      const bytes = toBinary(method.input, create(method.input, site.init(MARKER) as never));
      cases.push({ method, what: `${site.path} invalid UTF-8`, body: withInvalidUtf8(bytes), field: site.path });
      continue;
    }
    for (const [name, value] of BAD[site.kind]) {
      const bytes = toBinary(method.input, create(method.input, site.init(value) as never));
      cases.push({ method, what: `${site.path} ${name}`, body: Buffer.from(bytes), field: site.path });
    }
  }
  return cases;
}

const CASES = METHODS.flatMap(casesFor);

let t: TestServer;
let raw: grpc.Client;

beforeAll(async () => {
  t = await startTestServer(createMemoryStore(), { search: await testSearch() });
  raw = new grpc.Client(t.server.address, grpc.credentials.createInsecure());
});

afterAll(async () => {
  raw?.close();
  await t?.stop();
});

test("the cases reach every method and every kind of field", () => {
  const methods = new Set(CASES.map((c) => c.method.name));
  // Stats, SearchStatus and Reindex take empty requests: nothing in them can be malformed but the bytes.
  expect([...methods].sort()).toEqual(
    METHODS.filter((m) => m.input.fields.length > 0)
      .map((m) => m.name)
      .sort(),
  );
  const fields = CASES.map((c) => c.what);
  for (const expected of [
    "key invalid UTF-8",
    "metadata.k invalid UTF-8",
    "metadata (a key) invalid UTF-8",
    "operations[0].set.ttl mixed signs",
    "operations[0].delete.if_revision 2^53",
    "before year 10000",
    "progress_interval nanos 1e9",
    "keys.keys[0] invalid UTF-8",
    "execution.latency_ms NaN",
    "execution.started_at nanos -1",
    "feedback.scores[0].value Infinity",
    "ttl over 10,000 years",
    "min_similarity NaN",
    "since nanos 1e9",
    "query invalid UTF-8",
  ]) {
    expect(fields).toContain(expected);
  }
});

test.each(CASES.map((c) => [`${c.method.name}: ${c.what}`, c] as const))("%s → INVALID_ARGUMENT naming the field, nothing written", async (_name, c) => {
  const before = (await t.client.stats()).revision;
  const outcome = await rawCall(raw, c.method, c.body, new grpc.Metadata(), 30_000);
  expect({ code: outcome.code, details: outcome.details }).toEqual({
    code: grpc.status.INVALID_ARGUMENT,
    details: expect.stringMatching(new RegExp(`^${escapeRegExp(c.field)}: `)),
  });
  expect((await t.client.stats()).revision).toBe(before);
});

test("bytes that are not the message are INVALID_ARGUMENT naming the message type", async () => {
  const truncated = Buffer.from(
    toBinary(ContextService.method.setContext.input, create(ContextService.method.setContext.input, { key: "k".repeat(40) })),
  ).subarray(0, 10);
  for (const [method, body] of [
    [ContextService.method.setContext, truncated],
    [ContextService.method.watch, Buffer.from([0x0f, 0x01])],
    [ExecutionService.method.exportTrainingData, Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f])],
  ] as const) {
    const outcome = await rawCall(raw, method, body, new grpc.Metadata(), 30_000);
    expect(outcome.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(outcome.details).toMatch(new RegExp(`^request: cannot be decoded as ${escapeRegExp(method.input.typeName)}: `));
  }
});

test("semantic rules beyond the wire's: latency 1e308, a reversed class, a non-finite JSON number", async () => {
  const { recordExecution } = ExecutionService.method;
  const huge = Buffer.from(toBinary(recordExecution.input, create(recordExecution.input, { execution: { latencyMs: 1e308 } })));
  const outcome = await rawCall(raw, recordExecution, huge, new grpc.Metadata(), 30_000);
  expect(outcome).toEqual({
    code: grpc.status.INVALID_ARGUMENT,
    details: expect.stringMatching(/^execution\.latency_ms: must be a number of milliseconds from 0 to/),
  });

  for (const method of [ContextService.method.query, ContextService.method.watch, ContextService.method.cleanup]) {
    const init = method === ContextService.method.watch ? { filter: { case: "pattern", value: "k[z-a]" } } : { pattern: "k[z-a]", before: { seconds: 1n } };
    const body = Buffer.from(toBinary(method.input, create(method.input, init as never)));
    const reversed = await rawCall(raw, method, body, new grpc.Metadata(), 30_000);
    expect(reversed).toEqual({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/^pattern: has a range out of order \(z-a\)/) });
  }

  const { setContext } = ContextService.method;
  const nan = Buffer.from(
    toBinary(
      setContext.input,
      create(setContext.input, { key: "k", value: { kind: { case: "listValue", value: { values: [{ kind: { case: "numberValue", value: Number.NaN } }] } } } }),
    ),
  );
  expect(await rawCall(raw, setContext, nan, new grpc.Metadata(), 30_000)).toEqual({
    code: grpc.status.INVALID_ARGUMENT,
    details: "value[0]: numbers must be finite",
  });
});

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
