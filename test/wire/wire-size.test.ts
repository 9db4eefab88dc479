import { toBinary } from "@bufbuild/protobuf";
import type { Context, JsonValue } from "@cache-fabric/client/api";
import { ContextSchema, QueryResponseSchema } from "@cache-fabric/client/gen/context";
import { contextToPb, contextWireSize } from "@cache-fabric/client/wire";

/**
 * Pages are cut by `contextWireSize`, an estimate made without encoding: it must never be below what
 * protobuf-es really writes (or a page could exceed the message limit), and not far above it (or
 * pages would be cut needlessly short). Checked against real encodings of random contexts.
 */

let seed = 20260101;
const random = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
const int = (n: number) => Math.floor(random() * n);
const text = (n: number) => Array.from({ length: n }, () => String.fromCharCode(pick([32 + int(90), 0xe9, 0x4e2d, 0x1f600 & 0xffff]))).join("");
const pick = <T>(xs: T[]) => xs[int(xs.length)];

function value(depth: number): JsonValue {
  const kinds = depth > 5 ? 4 : 6;
  switch (int(kinds)) {
    case 0:
      return null;
    case 1:
      return random() < 0.5;
    case 2:
      return pick([0, -1, 1e308, random() * 1e6, 2 ** 53]);
    case 3:
      return text(int(pick([3, 200, 5000])));
    case 4:
      return Array.from({ length: int(8) }, () => value(depth + 1));
    default:
      return Object.fromEntries(Array.from({ length: int(8) }, (_, i) => [`${text(int(10))}${i}`, value(depth + 1)]));
  }
}

function context(): Context {
  const now = Date.now();
  return {
    key: `k:${int(1e9)}`.repeat(1 + int(20)),
    scope: pick(["GLOBAL", "EXECUTION", "FEEDBACK", "USER"] as const),
    value: value(0),
    metadata: Object.fromEntries(Array.from({ length: int(10) }, (_, i) => [`m${i}`, text(int(300))])),
    revision: int(2 ** 40),
    createRevision: int(2 ** 40),
    version: int(1e6),
    createdAt: new Date(now - int(1e10)),
    updatedAt: new Date(now),
    ...(random() < 0.5 ? { expiresAt: new Date(now + int(1e12)) } : {}),
  };
}

test("the estimate is an upper bound of the real encoding, and close to it", () => {
  for (let i = 0; i < 500; i++) {
    const ctx = context();
    const actual = toBinary(QueryResponseSchema, {
      $typeName: "cachefabric.v1.QueryResponse",
      contexts: [contextToPb(ctx)],
      nextPageToken: "",
      revision: 0n,
    }).length;
    const estimate = contextWireSize(ctx);
    expect(estimate).toBeGreaterThanOrEqual(actual);
    expect(estimate - actual).toBeLessThanOrEqual(80);
  }
});

test("a page of many contexts: the sum of estimates bounds the encoded response", () => {
  const contexts = Array.from({ length: 200 }, context);
  const encoded = toBinary(QueryResponseSchema, {
    $typeName: "cachefabric.v1.QueryResponse",
    contexts: contexts.map(contextToPb),
    nextPageToken: "",
    revision: 0n,
  }).length;
  const estimated = contexts.reduce((n, c) => n + contextWireSize(c), 0);
  expect(estimated).toBeGreaterThanOrEqual(encoded);
  expect(toBinary(ContextSchema, contextToPb(contexts[0])).length).toBeLessThan(contextWireSize(contexts[0]));
});
