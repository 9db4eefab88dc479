import { create, fromBinary, ScalarType, toBinary, type DescField, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { ContextService } from "@cache-fabric/client/gen/context";
import { ExecutionService } from "@cache-fabric/client/gen/execution";
import { PromptService } from "@cache-fabric/client/gen/prompt";
import { SearchService } from "@cache-fabric/client/gen/search";
import { SCOPES } from "@cache-fabric/client/api";
import { createMemoryStore } from "../../server/store/memory.js";
import { testSearch } from "../support/hash-embedder.js";
import { startOpsServer, tokenDocument, type OpsTestServer } from "../support/ops-server.js";
import { allMethods, bearer, rawCall, type RawOutcome } from "../support/raw-client.js";
import { prng } from "../support/prng.js";
import { fieldSites } from "../support/request-fields.js";

/**
 * Malformed requests to EVERY method of the three services (taken from the generated descriptors),
 * as raw bytes over a plain grpc-js client with identity (de)serialisers: random bytes, truncated and
 * bit-flipped valid messages, fields with the wrong wire type, invalid wire types, huge declared
 * lengths, over-long varints, oversized fields (some beyond the message limit), deeply nested
 * values, invalid UTF-8 in string fields, and structurally valid messages with hostile field values.
 *
 * Each answer's code is checked against an oracle that does not use the server's code: bytes over the
 * message limit get RESOURCE_EXHAUSTED; bytes protobuf-es itself cannot decode get INVALID_ARGUMENT
 * (a string that is not UTF-8 also names its field); bytes it can decode may get any answer a caller
 * can cause (OK, INVALID_ARGUMENT, PERMISSION_DENIED, ...), never INTERNAL or UNKNOWN. Every method
 * gets every kind of malformation, a fixed number of each (the generator is seeded: replay with
 * FUZZ_SEED=<seed from the test name>; FUZZ_CASES=<n> sends n of each kind to each method).
 *
 * The server runs as in production (authentication on; the fuzzer's token reads everything and
 * writes only `fuzz*` keys, so parseable writes land beside the seeded data, never on it, which is
 * also what lets "stored data unchanged" be checked exactly). Every call has a deadline far beyond
 * what an answer needs, so a hang is told from a slow machine; afterwards the process is intact, the
 * server still answers, and the seeded contexts and execution are byte-for-byte what they were.
 */

const CASES = Number(process.env.FUZZ_CASES ?? 6);
const CONCURRENCY = 16;
/** Per call; an answer takes milliseconds, so only a hang reaches it. */
const DEADLINE_MS = 60_000;
const MAX_MESSAGE_BYTES = 256 * 1024;
const SEED = Number(process.env.FUZZ_SEED ?? 20261201);
const TOKEN = "fuzzer-secret-0123456789";

const random = prng(SEED);
const int = (n: number) => Math.floor(random() * n);
const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)];
const bytes = (n: number) => Buffer.from(Array.from({ length: n }, () => int(256)));

// ---- wire-level building blocks ----

function varint(n: bigint | number): Buffer {
  let v = BigInt(n);
  if (v < 0n) v &= (1n << 64n) - 1n;
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Buffer.from(out);
}
const tag = (field: number, wireType: number) => varint((field << 3) | wireType);
const lengthDelimited = (field: number, body: Buffer) => Buffer.concat([tag(field, 2), varint(body.length), body]);

/** google.protobuf.Value nested `depth` lists deep (Value.list_value = 6, ListValue.values = 1); built once per depth. */
const deepValues = new Map<number, Buffer>();
function deepValue(depth: number): Buffer {
  let v = deepValues.get(depth);
  if (!v) {
    v = Buffer.from([0x20, 0x01]); // bool_value = true
    for (let i = 0; i < depth; i++) v = lengthDelimited(6, lengthDelimited(1, v));
    deepValues.set(depth, v);
  }
  return v;
}

// ---- structurally valid messages with hostile values, from the descriptors ----

const HOSTILE_STRINGS = [
  () => `fuzz:${int(1e6)}`,
  () => `fuzz-${int(1e6)}`,
  () => `user:fuzz:${int(100)}`,
  () => "",
  () => "seed:global:1", // the seeded data: writes must be refused
  () => "*",
  () => "[",
  () => "\\",
  () => "fuzz:*",
  () => "__proto__",
  () => "x".repeat(600),
  () => (random() < 0.2 ? "y".repeat(100_000) : "z"), // echoed in an error, it must not overflow the trailers
  () => String.fromCharCode(...Array.from({ length: 20 }, () => int(0xffff))),
  () => "execution:seed-1",
];

function randomScalar(type: ScalarType): unknown {
  switch (type) {
    case ScalarType.STRING:
      return pick(HOSTILE_STRINGS)();
    case ScalarType.BYTES:
      return bytes(int(64));
    case ScalarType.BOOL:
      return random() < 0.5;
    case ScalarType.DOUBLE:
    case ScalarType.FLOAT:
      return pick([0, -1, 1.5, 1e308, -1e308, NaN, Infinity, -Infinity, 5e-324, random() * 10]);
    case ScalarType.INT64:
    case ScalarType.SINT64:
    case ScalarType.SFIXED64:
      return pick([0n, -1n, 1n, 2n ** 63n - 1n, -(2n ** 63n), BigInt(int(1e9))]);
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return pick([0n, 1n, 2n ** 64n - 1n, BigInt(int(1e9))]);
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return pick([0, 1, 2 ** 32 - 1, int(1e6)]);
    default:
      return pick([0, -1, 1, 2 ** 31 - 1, -(2 ** 31), int(1e6), int(6)]);
  }
}

function randomField(field: DescField, depth: number): unknown {
  switch (field.fieldKind) {
    case "scalar":
      return randomScalar(field.scalar);
    case "enum":
      return pick([0, 1, 2, 3, 4, 99, -1]);
    case "message":
      return randomMessage(field.message, depth + 1);
    case "list":
      return Array.from({ length: int(4) }, () =>
        field.listKind === "message" ? randomMessage(field.message, depth + 1) : field.listKind === "enum" ? int(5) : randomScalar(field.scalar),
      );
    case "map": {
      const entries: Record<string, unknown> = {};
      for (let i = int(4); i > 0; i--) {
        const v = field.mapKind === "message" ? randomMessage(field.message, depth + 1) : field.mapKind === "enum" ? int(3) : randomScalar(field.scalar);
        Object.defineProperty(entries, String(randomScalar(ScalarType.STRING)), { value: v, enumerable: true, writable: true, configurable: true });
      }
      return entries;
    }
  }
}

function randomMessage(desc: DescMessage, depth = 0): object {
  const init: Record<string, unknown> = {};
  if (depth > 4) return create(desc);
  for (const member of desc.members) {
    if (random() < 0.3) continue;
    if (member.kind === "oneof") {
      const f = pick(member.fields);
      init[member.localName] = { case: f.localName, value: randomField(f, depth) };
    } else {
      init[member.localName] = randomField(member, depth);
    }
  }
  try {
    return create(desc, init as never);
  } catch {
    return create(desc);
  }
}

function validBytes(method: DescMethod): Buffer {
  try {
    return Buffer.from(toBinary(method.input, randomMessage(method.input) as never));
  } catch {
    return Buffer.alloc(0);
  }
}

// ---- the malformations ----

const UTF8_MARKER = "\u0001MARKER\u0001";
/** Byte sequences no UTF-8 decoder accepts: a stray continuation, an overlong form, a surrogate, a cut sequence. */
const INVALID_UTF8 = [[0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0xff]].map((b) => Buffer.from(b));

type Mutation = (method: DescMethod) => Buffer;

const MUTATIONS: Record<string, Mutation> = {
  randomBytes: () => bytes(int(random() < 0.9 ? 64 : 4096)),
  truncated: (m) => {
    const v = validBytes(m);
    return v.subarray(0, int(v.length + 1));
  },
  bitFlipped: (m) => {
    const v = Buffer.from(validBytes(m));
    for (let i = 1 + int(4); i > 0 && v.length > 0; i--) v[int(v.length)] ^= 1 << int(8);
    return v;
  },
  wrongWireType: (m) => {
    const field = pick(m.input.fields.length ? m.input.fields : [{ number: 1 } as DescField]);
    const payloads = [Buffer.concat([tag(field.number, 0), varint(int(1e9))]), Buffer.concat([tag(field.number, 1), bytes(8)]),
      lengthDelimited(field.number, bytes(int(32))), Buffer.concat([tag(field.number, 5), bytes(4)])];
    return Buffer.concat([validBytes(m), pick(payloads)]);
  },
  invalidWireType: (m) => Buffer.concat([tag(1 + int(20), pick([3, 4, 6, 7])), bytes(int(16)), validBytes(m)]),
  hugeDeclaredLength: () => Buffer.concat([tag(1 + int(8), 2), varint(pick([2 ** 31 - 1, 2 ** 32 + 5, 2 ** 53])), bytes(int(16))]),
  overlongVarint: () => Buffer.concat([tag(1 + int(8), 0), Buffer.alloc(11 + int(5), 0xff)]),
  oversizedField: () => lengthDelimited(1 + int(4), Buffer.alloc(pick([64 * 1024, 200 * 1024, MAX_MESSAGE_BYTES + 1024]), 0x61)),
  deepNesting: () => lengthDelimited(pick([1, 3, 4, 5]), deepValue(pick([100, 1000, 5000]))),
  negativeAndZeroFields: () => Buffer.concat([varint(0), bytes(4), tag(536870911, 0), varint(1)]),
  invalidUtf8: (m) => {
    const sites = fieldSites(m.input).filter((f) => f.kind === "string" || f.kind === "map-key");
    if (sites.length === 0) return bytes(int(64)); // an empty request type: nothing to mistype
    const encoded = Buffer.from(toBinary(m.input, create(m.input, pick(sites).init(UTF8_MARKER) as never)));
    const at = encoded.indexOf(Buffer.from(UTF8_MARKER));
    pick(INVALID_UTF8).copy(encoded, at + int(4));
    return encoded;
  },
  hostileButValid: (m) => validBytes(m),
};

const METHODS = allMethods(ContextService, SearchService, ExecutionService, PromptService);
const writable = ["fuzz*"].flatMap((k) => [k, `execution:${k}`, `feedback:${k}`, `user:fuzz:*`]);

let t: OpsTestServer;
let raw: grpc.Client;

beforeAll(async () => {
  t = await startOpsServer(createMemoryStore(), {
    config: {
      logLevel: "error",
      authTokens: tokenDocument([
        {
          name: "fuzzer",
          token: TOKEN,
          grants: [{ scope: "*", access: "read" }, ...writable.map((keys) => ({ scope: "*", keys, access: "write" }))],
        },
      ]),
    },
    fabric: { search: await testSearch() },
    server: { maxMessageBytes: MAX_MESSAGE_BYTES },
  });
  raw = new grpc.Client(t.address, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": -1 });
  const seed = t.fabric;
  for (const scope of SCOPES) {
    for (let i = 0; i < 5; i++) {
      await seed.setContext({ key: `seed:${scope.toLowerCase()}:${i}`, scope, value: { scope, i, text: `seeded ${i}` }, metadata: { n: String(i) } });
    }
  }
  await seed.recordExecution({ id: "seed-1", latencyMs: 12, input: "question", output: "answer", promptKey: "router:main" });
  await seed.recordFeedback({ executionId: "seed-1", rating: 4, comment: "fine" });
});

afterAll(async () => {
  raw?.close();
  await t?.stop();
});

async function snapshot(): Promise<string> {
  const contexts = [];
  for (const scope of SCOPES) contexts.push(...(await t.fabric.query({ scope, pattern: "seed:*", limit: 1000 })).contexts);
  const executions = [await t.fabric.getContext({ key: "execution:seed-1", scope: "EXECUTION" }), await t.fabric.getContext({ key: "feedback:seed-1", scope: "FEEDBACK" })];
  return JSON.stringify({ contexts, executions });
}

/** What a request's answer must be, decided without the server's code (see the file comment). */
type Expected = "RESOURCE_EXHAUSTED" | "INVALID_ARGUMENT" | "decodable";

function expectation(method: DescMethod, body: Buffer): { expected: Expected; utf8: boolean } {
  if (body.length > MAX_MESSAGE_BYTES) return { expected: "RESOURCE_EXHAUSTED", utf8: false };
  try {
    fromBinary(method.input, body);
    return { expected: "decodable", utf8: false };
  } catch (e) {
    return { expected: "INVALID_ARGUMENT", utf8: /utf-8/i.test((e as Error).message) };
  }
}

/** What a caller may cause with a well-formed request; INTERNAL and UNKNOWN are bugs. */
const CALLER_CAUSED = new Set<number | "message">([
  "message", grpc.status.OK, grpc.status.INVALID_ARGUMENT, grpc.status.PERMISSION_DENIED, grpc.status.NOT_FOUND,
  grpc.status.FAILED_PRECONDITION, grpc.status.OUT_OF_RANGE, grpc.status.RESOURCE_EXHAUSTED,
]);

test(`malformed requests, every kind to every method: the code each deserves, the server survives, stored data unchanged (seed ${SEED})`, async () => {
  const before = await snapshot();
  expect(before).toContain("seed:user:4");
  const jobs: { method: DescMethod; kind: string; body: Buffer }[] = [];
  for (const method of METHODS) {
    for (const kind of Object.keys(MUTATIONS)) for (let i = 0; i < CASES; i++) jobs.push({ method, kind, body: MUTATIONS[kind](method) });
  }

  const codes = new Map<string, number>();
  const wrong: string[] = [];
  const undecodable = new Map<string, number>();
  const metadata = bearer(TOKEN);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { method, kind, body } = jobs[next++];
      const outcome: RawOutcome = await rawCall(raw, method, body, metadata, DEADLINE_MS);
      const name = outcome.code === "message" ? "stream message" : grpc.status[outcome.code];
      codes.set(name, (codes.get(name) ?? 0) + 1);
      const { expected, utf8 } = expectation(method, body);
      const what = `${method.name}/${kind} (${body.length} bytes) got ${name} "${outcome.details.slice(0, 120)}", expected ${expected}`;
      if (expected === "decodable") {
        if (!CALLER_CAUSED.has(outcome.code)) wrong.push(what);
        continue;
      }
      if (outcome.code !== grpc.status[expected]) wrong.push(what);
      if (expected === "INVALID_ARGUMENT") {
        undecodable.set(method.name, (undecodable.get(method.name) ?? 0) + 1);
        // Named: the field whose string is not UTF-8, otherwise the message type.
        const named = utf8
          ? method.input.fields.some((f) => outcome.details.startsWith(f.name)) && / must be valid UTF-8 \(request cannot be decoded as [\w.]+\)$/.test(outcome.details)
          : outcome.details.startsWith(`request: cannot be decoded as ${method.input.typeName}: `);
        if (!named) wrong.push(`${what}: not named as expected`);
      }
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));

  const answered = [...codes.values()].reduce((a, b) => a + b, 0);
  console.log(`fuzz seed ${SEED}: ${answered} requests to ${METHODS.length} methods: ${JSON.stringify(Object.fromEntries(codes))}`);
  expect(answered).toBe(jobs.length);
  expect(wrong).toEqual([]);
  // Every method got undecodable bytes, and answered every one of them INVALID_ARGUMENT (checked above).
  expect(METHODS.filter((m) => (undecodable.get(m.name) ?? 0) < CASES).map((m) => m.name)).toEqual([]);
  expect(codes.get("INTERNAL") ?? 0).toBe(0);
  expect(codes.get("UNKNOWN") ?? 0).toBe(0);
  const internal = t.logs.filter((l) => l.code === "INTERNAL");
  expect(internal.map((l) => `${l.method}: ${l.error}`)).toEqual([]);

  // Still alive and serving; nothing stored before was touched; no prototype was polluted.
  const alive = await rawCall(raw, ContextService.method.stats, Buffer.alloc(0), metadata);
  expect(alive.code).toBe(grpc.status.OK);
  expect(await snapshot()).toBe(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}, 300_000);

test("a malformed request without a token is UNAUTHENTICATED: callers are authenticated before their bytes are decoded", async () => {
  const outcome = await rawCall(raw, ContextService.method.setContext, Buffer.from([0x0a, 0xff]), new grpc.Metadata(), DEADLINE_MS);
  expect(outcome.code).toBe(grpc.status.UNAUTHENTICATED);
});
