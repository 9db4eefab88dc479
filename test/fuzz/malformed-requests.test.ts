import { create, ScalarType, toBinary, type DescField, type DescMessage, type DescMethod } from "@bufbuild/protobuf";
import * as grpc from "@grpc/grpc-js";
import { ContextService } from "@cache-fabric/client/gen/context";
import { ExecutionService } from "@cache-fabric/client/gen/execution";
import { SearchService } from "@cache-fabric/client/gen/search";
import { SCOPES } from "@cache-fabric/client/api";
import { createMemoryStore } from "../../server/store/memory.js";
import { testSearch } from "../support/hash-embedder.js";
import { startOpsServer, tokenDocument, type OpsTestServer } from "../support/ops-server.js";
import { allMethods, bearer, rawCall, type RawOutcome } from "../support/raw-client.js";

/**
 * Malformed requests to EVERY method of the three services (taken from the generated descriptors),
 * as raw bytes over a plain grpc-js client with identity (de)serialisers: random bytes, truncated and
 * bit-flipped valid messages, fields with the wrong wire type, invalid wire types, huge declared
 * lengths, over-long varints, oversized fields (some beyond the message limit), deeply nested
 * values, and structurally valid messages with hostile field values.
 *
 * The server runs as in production (authentication on; the fuzzer's token reads everything and
 * writes only `fuzz*` keys, so parseable writes land beside the seeded data, never on it, which is
 * also what lets "stored data unchanged" be checked exactly). Every call has a deadline; every one
 * must end with a status before it. Afterwards: the process is intact, the server still answers,
 * and the seeded contexts and execution are byte-for-byte what they were (revisions included).
 *
 * Replay a run with FUZZ_SEED=<seed from the test name>; FUZZ_ONLY=<mutation> sends one kind only.
 * About 10k calls take 6-10 s here: grpc-js's per-call cost on a shared 2-core machine is the floor.
 */

const TOTAL = 10_500;
const CONCURRENCY = 48;
const MAX_MESSAGE_BYTES = 256 * 1024;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 2 ** 31);
const ONLY = process.env.FUZZ_ONLY;
const TOKEN = "fuzzer-secret-0123456789";

/** mulberry32: a small seeded PRNG, so a failing run can be replayed with FUZZ_SEED. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
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
  hostileButValid: (m) => validBytes(m),
};

const METHODS = allMethods(ContextService, SearchService, ExecutionService);
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

test(`${TOTAL} malformed requests across every method: each answered with a status, the server survives, stored data unchanged (seed ${SEED})`, async () => {
  const before = await snapshot();
  expect(before).toContain("seed:user:4");
  const perMethod = Math.ceil(TOTAL / METHODS.length);
  const jobs: { method: DescMethod; kind: string }[] = [];
  for (const method of METHODS) for (let i = 0; i < perMethod; i++) jobs.push({ method, kind: ONLY ?? pick(Object.keys(MUTATIONS)) });

  const codes = new Map<string, number>();
  const hung: string[] = [];
  const metadata = bearer(TOKEN);
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const { method, kind } = jobs[next++];
      const outcome: RawOutcome = await rawCall(raw, method, MUTATIONS[kind](method), metadata, 5000);
      const name = outcome.code === "message" ? "stream message" : grpc.status[outcome.code];
      codes.set(name, (codes.get(name) ?? 0) + 1);
      if (outcome.code === grpc.status.DEADLINE_EXCEEDED) hung.push(`${method.name}/${kind}`);
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const elapsed = Date.now() - started;

  const answered = [...codes.values()].reduce((a, b) => a + b, 0);
  console.log(`fuzz seed ${SEED}: ${answered} requests to ${METHODS.length} methods in ${elapsed} ms: ${JSON.stringify(Object.fromEntries(codes))}`);
  expect(answered).toBe(jobs.length);
  expect(jobs.length).toBeGreaterThanOrEqual(10_000);
  expect(hung).toEqual([]); // every call ended with a status before its deadline
  expect(codes.get("UNKNOWN") ?? 0).toBe(0);
  // Handler-level failures on input are logged at error by the call log: none may be a crash-like INTERNAL from our code.
  const internal = t.logs.filter((l) => l.code === "INTERNAL");
  expect(internal.map((l) => `${l.method}: ${l.error}`)).toEqual([]);

  // Still alive and serving; nothing stored before was touched; no prototype was polluted.
  const alive = await rawCall(raw, ContextService.method.stats, Buffer.alloc(0), metadata);
  expect(alive.code).toBe(grpc.status.OK);
  expect(await snapshot()).toBe(before);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}, 60_000);
