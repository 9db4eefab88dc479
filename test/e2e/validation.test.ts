import { FabricError, type BatchOperation, type SetContextInput } from "@cache-fabric/client";
import { createMemoryStore } from "../../server/store/memory.js";
import { startTestServer, type TestServer } from "../support/harness.js";

/**
 * Bad input gets INVALID_ARGUMENT naming the field and the rule, over the wire, and nothing is
 * written (the store revision does not move).
 */
describe("input validation over gRPC", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer(createMemoryStore(), { maxValueBytes: 1000 });
  });
  afterAll(async () => {
    await t.stop();
  });

  async function expectInvalid(call: Promise<unknown>, field: RegExp, rule: RegExp): Promise<void> {
    const before = (await t.client.stats()).revision;
    const err = await call.then(
      () => {
        throw new Error("call succeeded but should have been refused");
      },
      (e: unknown) => e,
    );
    expect(FabricError.is(err, "INVALID_ARGUMENT")).toBe(true);
    expect((err as Error).message).toMatch(field);
    expect((err as Error).message).toMatch(rule);
    expect((await t.client.stats()).revision).toBe(before);
  }

  const bad: Array<[string, SetContextInput, RegExp, RegExp]> = [
    ["empty key", { key: "", value: 1 }, /^key/, /required/],
    ["key with a space", { key: "a b", value: 1 }, /^key/, /may contain only/],
    ["key with a glob character", { key: "a*", value: 1 }, /^key/, /may contain only/],
    ["key too long", { key: "k".repeat(513), value: 1 }, /^key/, /at most 512/],
    ["value too large", { key: "k", value: "x".repeat(2000) }, /^value/, /at most 1000 bytes/],
    ["missing value", { key: "k" } as SetContextInput, /^value/, /required/],
    ["negative ttl", { key: "k", value: 1, ttl: -1 }, /^ttl/, /positive/],
    ["zero ttl", { key: "k", value: 1, ttl: 0 }, /^ttl/, /positive/],
    ["metadata value not a string", { key: "k", value: 1, metadata: { a: 1 as unknown as string } }, /^metadata/, /string/],
    ["metadata key with a space", { key: "k", value: 1, metadata: { "a b": "x" } }, /^metadata\.a b/, /key must be/],
    ["negative ifRevision", { key: "k", value: 1, ifRevision: -1 }, /^if_revision/, /non-negative/],
  ];
  test.each(bad)("setContext refuses %s", async (_name, input, field, rule) => {
    await expectInvalid(t.client.setContext(input), field, rule);
  });

  test("NaN cannot be sent as a value", async () => {
    await expect(t.client.setContext({ key: "k", value: Number.NaN })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });

  test("an unknown scope is refused", async () => {
    await expectInvalid(t.client.getContext({ key: "k", scope: "NOPE" as never }), /scope/, /must be one of|unknown scope/);
  });

  test("query: bad pattern and limit out of range", async () => {
    await expectInvalid(t.client.query({ pattern: "a[bc" }), /^pattern/, /unclosed/);
    await expectInvalid(t.client.query({ pattern: "a\\" }), /^pattern/, /escape/);
    await expectInvalid(t.client.query({ limit: 1001 }), /^limit/, /1 to 1000/);
    await expectInvalid(t.client.query({ limit: -1 }), /^limit/, /1 to 1000/);
  });

  test("batch: the failing operation is named and nothing is written", async () => {
    const ops: BatchOperation[] = [
      { op: "set", key: "fine", value: 1 },
      { op: "set", key: "bad key", value: 1 },
    ];
    await expectInvalid(t.client.batch(ops), /^operations\[1\]\.key/, /may contain only/);
    expect(await t.client.getContext({ key: "fine" })).toBeNull();
    await expectInvalid(t.client.batch([]), /^operations/, /at least one/);
  });

  test("executions: latency and dates every client can read back", async () => {
    await expectInvalid(t.client.recordExecution({ latencyMs: 1e308 }), /^execution\.latency_ms/, /from 0 to 315360000000/);
    await expectInvalid(t.client.recordExecution({ latencyMs: -1 }), /^execution\.latency_ms/, /from 0/);
    await expectInvalid(
      t.client.recordExecution({ startedAt: new Date("2020-01-01"), finishedAt: new Date("2040-01-01") }),
      /^execution\.finished_at/, /at most 10 years after/,
    );
    await expectInvalid(t.client.recordExecution({ finishedAt: new Date("0001-01-01T00:00:01Z"), latencyMs: 5000 }), /^execution\.started_at/, /from 0001-01-01/);
    // In process a Date may lie beyond what a Timestamp carries; it is refused rather than stored unreadable.
    await expectInvalid(t.fabric.recordExecution({ startedAt: new Date(-8.64e15) }), /^execution\.started_at/, /from 0001-01-01 to 9999-12-31/);
    await expectInvalid(t.fabric.cleanup({ before: new Date(8.64e15) }), /^before/, /from 0001-01-01 to 9999-12-31/);
  });

  test("cleanup needs a valid instant", async () => {
    await expect(t.client.cleanup({ before: "not a date" })).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expectInvalid(t.fabric.cleanup({ before: undefined as never }), /^before/, /required/);
  });
});
