import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  FabricClient, FabricError, trackExecution, type ErrorCode, type Execution, type ExecutionFigures, type ExecutionStatus,
  type FeedbackFigures, type Rating,
} from "@cache-fabric/client";
import { runCli } from "@cache-fabric/client/cli";
import { ExecutionService } from "@cache-fabric/client/gen/execution";
import * as executionTracking from "../../examples/execution-tracking.js";
import * as feedbackExample from "../../examples/feedback.js";
import type { FabricOptions } from "../../server/fabric.js";
import type { Store } from "../../server/store/types.js";
import { eventually, startTestServer, type TestServer } from "../support/harness.js";

/** Makes a fresh, empty store for one test (one server each). */
export type StoreFactory = () => Promise<Store>;

/**
 * Execution tracking and feedback through the client package over real gRPC, on the store that
 * `factory` makes. Every expected figure is computed here, independently of the server's code.
 */
export function describeExecutions(name: string, factory: StoreFactory): void {
  describe(`executions and feedback: ${name}`, () => {
    let t: TestServer;
    let extra: TestServer[] = [];
    const start = async (options: Omit<FabricOptions, "store"> = {}) => {
      const s = await startTestServer(await factory(), options);
      extra.push(s);
      return s;
    };
    beforeEach(async () => {
      t = await startTestServer(await factory());
    });
    afterEach(async () => {
      await t.stop();
      for (const s of extra) await s.stop();
      extra = [];
      jest.restoreAllMocks();
    });

    describe("record and read back", () => {
      test("a full execution reads back as recorded, through the typed and the generic API", async () => {
        const startedAt = new Date(Date.now() - 5000);
        const recorded = await t.client.recordExecution({
          id: "exec-123",
          startedAt,
          latencyMs: 250.5,
          input: { text: "reset my password" },
          output: { category: "account", confidence: 0.97 },
          promptKey: "router:main:system_message",
          promptRevision: 7,
          metadata: { user_id: "u-1" },
        });
        expect(recorded).toEqual({
          id: "exec-123",
          startedAt,
          finishedAt: new Date(startedAt.getTime() + 250.5),
          input: { text: "reset my password" },
          output: { category: "account", confidence: 0.97 },
          latencyMs: 250.5,
          status: "OK",
          promptKey: "router:main:system_message",
          promptRevision: 7,
          metadata: { user_id: "u-1" },
          revision: expect.any(Number),
        });
        expect(await t.client.getExecution("exec-123")).toEqual({ execution: recorded });

        // The same record, seen by the guide's generic calls.
        const ctx = await t.client.getContext({ key: "execution:exec-123", scope: "EXECUTION" });
        expect(ctx!.value).toEqual({
          execution_id: "exec-123",
          timestamp: startedAt.toISOString(),
          finished_at: new Date(startedAt.getTime() + 250.5).toISOString(),
          input: { text: "reset my password" },
          output: { category: "account", confidence: 0.97 },
          latency_ms: 250.5,
          status: "OK",
          prompt_key: "router:main:system_message",
          prompt_revision: 7,
        });
        expect(ctx!.metadata).toEqual({
          user_id: "u-1",
          execution_id: "exec-123",
          status: "OK",
          prompt_key: "router:main:system_message",
          prompt_revision: "7",
        });
        expect(ctx!.revision).toBe(recorded.revision);
      });

      test("an id is generated when absent; times and latency default from one another", async () => {
        const before = Date.now();
        const e = await t.client.recordExecution({ input: "hi", latencyMs: 40 });
        expect(e.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(e.finishedAt.getTime()).toBeGreaterThanOrEqual(before);
        expect(e.finishedAt.getTime() - e.startedAt.getTime()).toBe(40);
        expect(e.output).toBeUndefined();

        const f = await t.client.recordExecution({ startedAt: "2025-01-01T00:00:00Z", finishedAt: "2025-01-01T00:00:01.5Z" });
        expect(f.latencyMs).toBe(1500);
        const g = await t.client.recordExecution({ error: "boom", output: null });
        expect(g).toMatchObject({ status: "ERROR", error: "boom", output: null, latencyMs: 0 });
      });

      test("getExecution of an unknown id is null; a malformed id is INVALID_ARGUMENT", async () => {
        expect(await t.client.getExecution("nope")).toBeNull();
        await expectError(t.client.getExecution("a:b"), "INVALID_ARGUMENT", "id:");
      });

      test("feedback and automated feedback come back with the execution and replace earlier feedback", async () => {
        const e = await t.client.recordExecution({ input: 1, output: 2 });
        await t.client.recordFeedback({ executionId: e.id, rating: 2, comment: "first" });
        const user = await t.client.recordFeedback({
          executionId: e.id,
          rating: 5,
          comment: "spot on",
          corrections: { category: "billing" },
          metadata: { reviewer: "ann" },
        });
        const auto = await t.client.recordFeedback({
          executionId: e.id,
          scores: [{ name: "auto_score", value: 2, max: 3 }, { name: "confidence", value: 0.8, max: 1 }],
        });
        expect(user).toMatchObject({ executionId: e.id, rating: 5, comment: "spot on", corrections: { category: "billing" }, metadata: { reviewer: "ann" } });
        expect(auto.scores).toEqual([{ name: "auto_score", value: 2, max: 3 }, { name: "confidence", value: 0.8, max: 1 }]);
        expect(await t.client.getExecution(e.id)).toEqual({ execution: e, feedback: user, automatedFeedback: auto });

        const stored = await t.client.getContext({ key: `feedback:${e.id}`, scope: "FEEDBACK" });
        expect(stored!.value).toEqual({
          execution_id: e.id,
          timestamp: user.timestamp.toISOString(),
          rating: 5,
          comment: "spot on",
          corrections: { category: "billing" },
        });
        expect(stored!.metadata).toEqual({ reviewer: "ann", execution_id: e.id });
        expect(stored!.version).toBe(2);
        const storedAuto = await t.client.getContext({ key: `feedback:${e.id}:auto`, scope: "FEEDBACK" });
        expect(storedAuto!.value).toMatchObject({ scores: [{ name: "auto_score", value: 2, max: 3 }, { name: "confidence", value: 0.8, max: 1 }] });
      });

      test("the generic query sees typed records, and typed reads see records written the guide's way", async () => {
        const typed = await t.client.recordExecution({ id: "typed-1", output: "x", latencyMs: 10 });
        // The guide's Python, ported as is: set_context with its value shape.
        await t.client.setContext({
          key: "execution:guide-1",
          scope: "EXECUTION",
          value: { timestamp: "2025-03-01T10:00:00.000Z", input: { q: 1 }, output: { a: 2 }, latency_ms: 42 },
          metadata: { execution_id: "guide-1" },
        });
        await t.client.setContext({ key: "execution:guide-1:state", scope: "EXECUTION", value: { step: 3 } });
        await t.client.setContext({
          key: "feedback:guide-1",
          scope: "FEEDBACK",
          value: { timestamp: "2025-03-01T10:05:00.000Z", rating: 4, comment: "ok", corrections: null },
          metadata: { execution_id: "guide-1" },
        });
        await t.client.setContext({ key: "feedback:guide-1:auto", scope: "FEEDBACK", value: { auto_score: 2, max_score: 3 } });

        const page = await t.client.query({ pattern: "execution:*", scope: "EXECUTION", limit: 10 });
        expect(page.contexts.map((c) => c.key)).toEqual(["execution:guide-1:state", "execution:guide-1", "execution:typed-1"]);
        expect(page.contexts[2].value).toMatchObject({ execution_id: "typed-1", output: "x", latency_ms: 10, status: "OK" });

        const guide = await t.client.getExecution("guide-1");
        expect(guide).toEqual({
          execution: {
            id: "guide-1",
            startedAt: new Date("2025-03-01T10:00:00.000Z"),
            finishedAt: new Date("2025-03-01T10:00:00.042Z"),
            input: { q: 1 },
            output: { a: 2 },
            latencyMs: 42,
            status: "OK",
            metadata: {},
            revision: expect.any(Number),
          },
          feedback: {
            executionId: "guide-1",
            timestamp: new Date("2025-03-01T10:05:00.000Z"),
            rating: 4,
            comment: "ok",
            metadata: {},
            revision: expect.any(Number),
          },
          automatedFeedback: {
            executionId: "guide-1",
            timestamp: expect.any(Date),
            scores: [{ name: "auto_score", value: 2, max: 3 }],
            metadata: {},
            revision: expect.any(Number),
          },
        });
        // `execution:guide-1:state` is per-execution state, not an execution.
        expect((await t.client.listExecutions()).executions.map((e) => e.id)).toEqual(["guide-1", typed.id]);
      });
    });

    describe("validation: INVALID_ARGUMENT naming the field, nothing written", () => {
      test("executions", async () => {
        const e = t.client;
        await expectError(e.recordExecution({ id: "run:1" }), "INVALID_ARGUMENT", "execution.id:");
        await expectError(e.recordExecution({ id: "has space" }), "INVALID_ARGUMENT", "execution.id:");
        await expectError(e.recordExecution({ id: "x".repeat(257) }), "INVALID_ARGUMENT", "execution.id:");
        await expectError(e.recordExecution({ latencyMs: -1 }), "INVALID_ARGUMENT", "execution.latency_ms:");
        await expectError(e.recordExecution({ latencyMs: Number.NaN }), "INVALID_ARGUMENT", "execution.latency_ms:");
        await expectError(
          e.recordExecution({ startedAt: "2025-01-02T00:00:00Z", finishedAt: "2025-01-01T00:00:00Z" }),
          "INVALID_ARGUMENT",
          "execution.finished_at:",
        );
        await expectError(e.recordExecution({ startedAt: Date.now() + 3_600_000 }), "INVALID_ARGUMENT", "execution.started_at:");
        await expectError(e.recordExecution({ startedAt: "not a date" }), "INVALID_ARGUMENT", "execution.started_at:");
        await expectError(e.recordExecution({ status: "OK", error: "boom" }), "INVALID_ARGUMENT", "execution.error:");
        await expectError(e.recordExecution({ status: "MAYBE" as ExecutionStatus }), "INVALID_ARGUMENT", "execution.status:");
        await expectError(e.recordExecution({ promptKey: "a b" }), "INVALID_ARGUMENT", "execution.prompt_key:");
        await expectError(e.recordExecution({ promptRevision: -3 }), "INVALID_ARGUMENT", "execution.prompt_revision:");
        await expectError(e.recordExecution({ metadata: { status: "x" } }), "INVALID_ARGUMENT", "execution.metadata.status:");
        await expectError(e.recordExecution({ ttl: 0 }), "INVALID_ARGUMENT", "ttl:");
        await expectError(e.recordExecution({ output: "x".repeat(2 * 1024 * 1024) }), "INVALID_ARGUMENT", "execution: the stored record");
        expect(await t.client.countContexts("EXECUTION")).toBe(0);
      });

      test("feedback: unknown execution is NOT_FOUND, a rating outside 1..5 is INVALID_ARGUMENT", async () => {
        await expectError(t.client.recordFeedback({ executionId: "ghost", rating: 5 }), "NOT_FOUND", "feedback.execution_id:");
        const { id } = await t.client.recordExecution({});
        const bad: [Parameters<typeof t.client.recordFeedback>[0], string][] = [
          [{ executionId: id, rating: 0 }, "feedback.rating:"],
          [{ executionId: id, rating: 6 }, "feedback.rating:"],
          [{ executionId: id, rating: -1 }, "feedback.rating:"],
          [{ executionId: id, rating: 2.5 }, "feedback.rating:"],
          [{ executionId: id }, "feedback:"],
          [{ executionId: "", rating: 3 }, "feedback.execution_id:"],
          [{ executionId: id, scores: [{ name: "s", value: 4, max: 3 }] }, "feedback.scores[0].value:"],
          [{ executionId: id, scores: [{ name: "s", value: 1, max: 0 }] }, "feedback.scores[0].max:"],
          [{ executionId: id, scores: [{ name: "", value: 1, max: 1 }] }, "feedback.scores[0].name:"],
          [{ executionId: id, scores: [{ name: "s", value: 1, max: 1 }, { name: "s", value: 1, max: 1 }] }, "feedback.scores[1].name:"],
          [{ executionId: id, scores: [{ name: "s", value: 1, max: 1 }], rating: 3 }, "feedback.rating:"],
          [{ executionId: id, rating: 3, metadata: { execution_id: "x" } }, "feedback.metadata.execution_id:"],
          [{ executionId: id, rating: 3, timestamp: "yesterday" }, "feedback.timestamp:"],
        ];
        for (const [input, field] of bad) await expectError(t.client.recordFeedback(input), "INVALID_ARGUMENT", field);
        expect(await t.client.countContexts("FEEDBACK")).toBe(0);
      });

      test("with requireKnownExecution off, feedback on an unknown execution is kept for the default retention", async () => {
        const s = await start({ executions: { requireKnownExecution: false, defaultRetentionSeconds: 3600 } });
        const f = await s.client.recordFeedback({ executionId: "later", rating: 3 });
        expect(f.expiresAt!.getTime() - Date.now()).toBeGreaterThan(3590_000);
        expect((await s.client.getContext({ key: "feedback:later", scope: "FEEDBACK" }))!.value).toMatchObject({ rating: 3 });
        // Reads start from executions: orphan feedback is in no summary.
        expect((await s.client.feedbackSummary()).feedbackCount).toBe(0);
      });

      test("list, stats and export filters", async () => {
        await expectError(t.client.listExecutions({ limit: 1001 }), "INVALID_ARGUMENT", "limit:");
        await expectError(t.client.listExecutions({ since: 2000, until: 1000 }), "INVALID_ARGUMENT", "until:");
        await expectError(t.client.listExecutions({ pageToken: "garbage" }), "INVALID_ARGUMENT", "page_token:");
        await expectError(t.client.executionStats({ since: "soon" }), "INVALID_ARGUMENT", "since:");
        await expectError(drain(t.client.exportTrainingData({ minRating: 9 })), "INVALID_ARGUMENT", "min_rating:");
      });
    });

    describe("TTL and retention", () => {
      test("a per-record TTL, the default retention, and feedback expiring with its execution", async () => {
        const s = await start({ executions: { defaultRetentionSeconds: 86_400 } });
        const now = Date.now();
        const short = await s.client.recordExecution({ ttl: 60 });
        const kept = await s.client.recordExecution({});
        expect(short.expiresAt!.getTime() - now).toBeGreaterThanOrEqual(59_000);
        expect(short.expiresAt!.getTime() - now).toBeLessThan(61_000);
        expect(kept.expiresAt!.getTime() - now).toBeGreaterThan(86_390_000);
        const f = await s.client.recordFeedback({ executionId: short.id, rating: 4 });
        // Expires with its execution: the two expiries come from two clock reads an async hop apart
        // (on Redis, Redis's clock), so allow a second, far below the 60 s / 1 day that would be wrong.
        expect(Math.abs(f.expiresAt!.getTime() - short.expiresAt!.getTime())).toBeLessThan(1000);
        const own = await s.client.recordFeedback({ executionId: kept.id, rating: 4, ttl: 30 });
        expect(own.expiresAt!.getTime() - now).toBeLessThan(31_000);
        // Without a default retention, records without a TTL do not expire.
        expect((await t.client.recordExecution({})).expiresAt).toBeUndefined();
      });

      test("an expired execution is gone from the typed reads", async () => {
        const e = await t.client.recordExecution({ ttl: 0.2 });
        expect(await t.client.getExecution(e.id)).not.toBeNull();
        await eventually(async () => (await t.client.getExecution(e.id)) === null, "the execution to expire", 10_000);
        expect((await t.client.listExecutions()).executions).toEqual([]);
      });
    });

    describe("over a recorded data set", () => {
      const base = Date.now() - 3_600_000;
      const startOf = (i: number) => new Date(base + i * 1000);
      const all = Array.from({ length: 90 }, (_, i) => i);
      let recorded: Execution[];

      beforeEach(async () => {
        recorded = [];
        for (const i of all) {
          recorded.push(
            await t.client.recordExecution({
              id: `e${i}`,
              startedAt: startOf(i),
              latencyMs: latencyOf(i),
              input: { i },
              output: statusOf(i) === "OK" ? { answer: i * 2 } : undefined,
              ...(statusOf(i) === "ERROR" ? { error: `failure ${i}` } : {}),
              promptKey: promptOf(i),
              promptRevision: revisionOf(i),
            }),
          );
          // Feedback for roughly half: user (rating, some corrections) and automated (scores).
          const rating = ratingOf(i);
          if (rating !== undefined) {
            await t.client.recordFeedback({ executionId: `e${i}`, rating, comment: `c${i}`, corrections: correctionsOf(i) });
          }
          const scores = scoresOf(i);
          if (scores) await t.client.recordFeedback({ executionId: `e${i}`, scores });
        }
      });

      const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
      /** Newest recorded first: descending i. */
      const expected = (keep: (i: number) => boolean) => all.filter(keep).reverse().map((i) => `e${i}`);

      test("list pages newest first with filters, and continues exactly where it left off", async () => {
        const cases: [Parameters<typeof t.client.listExecutions>[0], (i: number) => boolean][] = [
          [{}, () => true],
          [{ promptKey: "router:a" }, (i) => promptOf(i) === "router:a"],
          [{ status: "ERROR" }, (i) => statusOf(i) === "ERROR"],
          [{ since: startOf(20), until: startOf(61) }, (i) => i >= 20 && i < 61],
          [{ promptKey: "router:b", status: "OK", since: startOf(30) }, (i) => promptOf(i) === "router:b" && statusOf(i) === "OK" && i >= 30],
        ];
        for (const [filter, keep] of cases) {
          const seen: string[] = [];
          let pageToken: string | undefined;
          let pages = 0;
          do {
            const page = await t.client.listExecutions({ ...filter, limit: 7, pageToken });
            expect(page.executions.length).toBeLessThanOrEqual(7);
            seen.push(...ids(page.executions));
            pageToken = page.nextPageToken;
            pages++;
          } while (pageToken);
          expect(seen).toEqual(expected(keep));
          expect(pages).toBe(Math.max(1, Math.ceil(seen.length / 7)));
        }
        const first = await t.client.listExecutions({ limit: 3 });
        expect(first.executions).toEqual(recorded.slice(-3).reverse());
        await expectError(t.client.listExecutions({ status: "OK", pageToken: first.nextPageToken }), "INVALID_ARGUMENT", "page_token:");
      });

      test("a page examines a bounded number of records and may come back short, with a token", async () => {
        const s = await start({ executions: { maxScanPerList: 10 } });
        for (const i of all) await s.client.recordExecution({ id: `e${i}`, startedAt: startOf(i), ...(statusOf(i) === "ERROR" ? { error: "x" } : {}) });
        const seen: string[] = [];
        let pageToken: string | undefined;
        let short = 0;
        do {
          const page = await s.client.listExecutions({ status: "ERROR", limit: 5, pageToken });
          if (page.nextPageToken && page.executions.length < 5) short++;
          seen.push(...ids(page.executions));
          pageToken = page.nextPageToken;
        } while (pageToken);
        expect(seen).toEqual(expected((i) => statusOf(i) === "ERROR"));
        expect(short).toBeGreaterThan(0);
      });

      test("stats: count, error rate and latency percentiles, in total and by prompt revision", async () => {
        const windowed = (i: number) => i >= 10 && i < 80;
        const stats = await t.client.executionStats({ since: startOf(10), until: startOf(80) });
        expectFigures(stats, figures(all.filter(windowed)));
        const groups = groupBy(all.filter(windowed));
        expect(stats.byPromptRevision.map((g) => [g.promptKey, g.promptRevision])).toEqual(groups.map((g) => [g.promptKey, g.promptRevision]));
        stats.byPromptRevision.forEach((g, k) => expectFigures(g, figures(groups[k].members)));

        const a = await t.client.executionStats({ promptKey: "router:a" });
        expectFigures(a, figures(all.filter((i) => promptOf(i) === "router:a")));
        expect(a.byPromptRevision.map((g) => g.promptRevision)).toEqual([1, 2]);

        const none = await t.client.executionStats({ since: new Date() });
        expect(none).toEqual({ ...figures([]), byPromptRevision: [] });
      });

      test("feedback summary: rating distribution and mean, automated score means, by prompt revision", async () => {
        const windowed = (i: number) => i >= 5;
        const summary = await t.client.feedbackSummary({ since: startOf(5) });
        expectFeedback(summary, feedbackFigures(all.filter(windowed)));
        const groups = groupBy(all.filter(windowed));
        expect(summary.byPromptRevision.map((g) => [g.promptKey, g.promptRevision])).toEqual(groups.map((g) => [g.promptKey, g.promptRevision]));
        summary.byPromptRevision.forEach((g, k) => expectFeedback(g, feedbackFigures(groups[k].members)));
        expectFeedback(await t.client.feedbackSummary({ promptKey: "router:a" }), feedbackFigures(all.filter((i) => promptOf(i) === "router:a")));
      });

      test("export joins executions with their feedback and corrections, with every filter", async () => {
        const cases: [Parameters<typeof t.client.exportTrainingData>[0], (i: number) => boolean][] = [
          [{}, () => true],
          [{ since: startOf(30), until: startOf(40) }, (i) => i >= 30 && i < 40],
          [{ minRating: 4 }, (i) => (ratingOf(i) ?? 0) >= 4],
          [{ hasCorrections: true }, (i) => correctionsOf(i) !== undefined],
          [{ minRating: 3, hasCorrections: true, promptKey: "router:a" }, (i) => (ratingOf(i) ?? 0) >= 3 && correctionsOf(i) !== undefined && promptOf(i) === "router:a"],
          [{ minRating: 2, since: startOf(50) }, (i) => (ratingOf(i) ?? 0) >= 2 && i >= 50],
        ];
        for (const [filter, keep] of cases) {
          const examples = await drain(t.client.exportTrainingData(filter));
          expect(examples.map((x) => x.execution.id)).toEqual(expected(keep));
          for (const x of examples) {
            const i = Number(x.execution.id.slice(1));
            expect(x.execution).toEqual(recorded[i]);
            expect(x.feedback?.rating).toBe(ratingOf(i));
            expect(x.feedback?.corrections).toEqual(correctionsOf(i));
            expect(x.feedback?.comment).toBe(ratingOf(i) === undefined ? undefined : `c${i}`);
            expect(x.automatedFeedback?.scores).toEqual(scoresOf(i));
          }
        }
      });

      test("the export CLI writes the same examples as JSONL", async () => {
        const dir = mkdtempSync(join(tmpdir(), "cf-export-"));
        jest.spyOn(process.stderr, "write").mockImplementation(() => true);
        try {
          const out = join(dir, "train.jsonl");
          const code = await runCli(["export", "--address", t.server.address, "--out", out, "--min-rating", "4", "--since", startOf(10).toISOString()]);
          expect(code).toBe(0);
          const lines = readFileSync(out, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
          expect(lines.map((l) => l.execution.id)).toEqual(expected((i) => (ratingOf(i) ?? 0) >= 4 && i >= 10));
          expect(lines[0].execution).toEqual(JSON.parse(JSON.stringify(recorded[Number(lines[0].execution.id.slice(1))])));
          expect(existsSync(`${out}.partial`)).toBe(false);
          expect(await runCli(["export", "--address", t.server.address, "--min-rating", "7"])).toBe(2);
          expect(await runCli(["export", "--address", t.server.address, "--mn-rating", "3"])).toBe(2);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      });
    });

    test("a large export is framed into several messages, each within the message size limit", async () => {
      const big = "x".repeat(600 * 1024);
      for (let i = 0; i < 3; i++) await t.client.recordExecution({ id: `big${i}`, output: big });
      for (let i = 0; i < 300; i++) await t.client.recordExecution({ id: `small${i}`, output: i });
      const sizes: number[] = [];
      for await (const res of t.client.transport.serverStream(ExecutionService.method.exportTrainingData, {})) sizes.push(res.examples.length);
      // Newest first: 128 + 128 small, then the last 44 small with the first large one; two large
      // ones never share a 1 MiB frame.
      expect(sizes).toEqual([128, 128, 45, 1, 1]);
      const ids = (await drain(t.client.exportTrainingData())).map((x) => x.execution.id);
      expect(ids).toEqual([...Array.from({ length: 300 }, (_, i) => `small${299 - i}`), "big2", "big1", "big0"]);
    });

    describe("trackExecution", () => {
      test("records a successful call with its prompt revision, output and timing", async () => {
        const prompt = await t.client.setContext({ key: "router:main:system_message", value: "You route" });
        let seenId = "";
        const out = await trackExecution(t.client, { prompt, input: { q: "hi" }, metadata: { user: "u1" } }, async ({ id }) => {
          seenId = id;
          await new Promise((r) => setTimeout(r, 30));
          return { answer: 42, at: new Date(0) };
        });
        expect(out).toEqual({ answer: 42, at: new Date(0) });
        const e = (await t.client.getExecution(seenId))!.execution;
        expect(e).toMatchObject({
          status: "OK",
          input: { q: "hi" },
          output: { answer: 42, at: "1970-01-01T00:00:00.000Z" },
          promptKey: "router:main:system_message",
          promptRevision: prompt.revision,
          metadata: { user: "u1" },
        });
        expect(e.latencyMs).toBeGreaterThanOrEqual(25);
        expect(Math.abs(e.finishedAt.getTime() - e.startedAt.getTime() - e.latencyMs)).toBeLessThan(1);
      });

      test("records a failed call as ERROR with the message, then rethrows the same error", async () => {
        const failure = new TypeError("model returned garbage");
        let id = "";
        await expect(
          trackExecution(t.client, { id: "will-fail", promptKey: "router:x" }, ({ id: given }) => {
            id = given;
            throw failure;
          }),
        ).rejects.toBe(failure);
        expect(id).toBe("will-fail");
        expect((await t.client.getExecution("will-fail"))!.execution).toMatchObject({
          status: "ERROR",
          error: "TypeError: model returned garbage",
          promptKey: "router:x",
        });
      });

      test("a fabric that cannot record does not change the agent's outcome", async () => {
        const dead = new FabricClient({ address: "127.0.0.1:1", timeoutMs: 300 });
        const errors: FabricError[] = [];
        try {
          expect(await trackExecution(dead, { onRecordError: (e) => errors.push(e) }, () => "fine")).toBe("fine");
          expect(errors.map((e) => e.code)).toEqual(["UNAVAILABLE"]);
        } finally {
          await dead.close();
        }
      });
    });

    test("the guide's examples run against the live server", async () => {
      jest.spyOn(console, "log").mockImplementation(() => {});
      const tracked = await executionTracking.run(t.client);
      expect(tracked).toMatchObject({ total: 4, errors: 1 });
      expect(tracked.avgLatencyMs).toBeGreaterThan(0);
      const { execution, summary } = await feedbackExample.run(t.client);
      expect(execution!.feedback).toMatchObject({ rating: 4, corrections: { category: "account" } });
      expect(execution!.automatedFeedback!.scores).toEqual([{ name: "auto_score", value: 3, max: 3 }]);
      expect(summary).toMatchObject({ ratedCount: 1, ratingMean: 4, automatedCount: 1 });
    });
  });
}

// ---- expectations, computed independently of the server ----

async function expectError(p: Promise<unknown>, code: ErrorCode, messageStart: string): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  if (!FabricError.is(e)) throw new Error(`expected ${code} "${messageStart}...", got ${e === undefined ? "success" : String(e)}`);
  expect([e.code, e.message.slice(0, messageStart.length)]).toEqual([code, messageStart]);
}

async function drain<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

// ---- the recorded data set: execution e{i} for i in 0..89, recorded in order of i ----

const promptOf = (i: number) => (i % 3 === 0 ? "router:a" : "router:b");
/** Two revisions of router:a; router:b mostly at 4, sometimes recorded without a revision. */
const revisionOf = (i: number) => (i % 3 === 0 ? (i < 45 ? 1 : 2) : i % 5 === 0 ? undefined : 4);
const statusOf = (i: number): ExecutionStatus => (i % 7 === 0 ? "ERROR" : "OK");
const latencyOf = (i: number) => ((i * 37) % 101) + 0.25;
/** User feedback on even i, every rating in turn; corrections on every fourth. */
const ratingOf = (i: number): Rating | undefined => (i % 2 === 0 ? ((((i / 2) % 5) + 1) as Rating) : undefined);
const correctionsOf = (i: number) => (i % 4 === 0 ? { label: `fixed-${i}` } : undefined);
/** Automated feedback on every third, a second score on every sixth. */
const scoresOf = (i: number) =>
  i % 3 === 0
    ? [{ name: "auto_score", value: i % 4, max: 3 }, ...(i % 6 === 0 ? [{ name: "confidence", value: (i % 10) / 10, max: 1 }] : [])]
    : undefined;

function groupBy(members: number[]): { promptKey: string; promptRevision?: number; members: number[] }[] {
  const groups = new Map<string, { promptKey: string; promptRevision?: number; members: number[] }>();
  for (const i of members) {
    const id = `${promptOf(i)}/${revisionOf(i) ?? 0}`;
    if (!groups.has(id)) groups.set(id, { promptKey: promptOf(i), promptRevision: revisionOf(i), members: [] });
    groups.get(id)!.members.push(i);
  }
  return [...groups.values()].sort((a, b) => (a.promptKey < b.promptKey ? -1 : a.promptKey > b.promptKey ? 1 : (a.promptRevision ?? 0) - (b.promptRevision ?? 0)));
}

function figures(members: number[]): ExecutionFigures {
  const lat = members.map(latencyOf).sort((a, b) => a - b);
  const n = lat.length;
  const rank = (p: number) => (n === 0 ? 0 : lat[Math.max(1, Math.ceil((p / 100) * n)) - 1]);
  const errors = members.filter((i) => statusOf(i) === "ERROR").length;
  return {
    count: n,
    errorCount: errors,
    errorRate: n ? errors / n : 0,
    latencyAvgMs: n ? lat.reduce((a, b) => a + b, 0) / n : 0,
    latencyP50Ms: rank(50),
    latencyP95Ms: rank(95),
    latencyP99Ms: rank(99),
    latencyMaxMs: n ? lat[n - 1] : 0,
  };
}

function expectFigures(actual: ExecutionFigures, want: ExecutionFigures): void {
  const { latencyAvgMs, errorRate, ...exact } = want;
  expect(actual).toMatchObject(exact);
  expect(actual.latencyAvgMs).toBeCloseTo(latencyAvgMs, 9);
  expect(actual.errorRate).toBeCloseTo(errorRate, 12);
}

function feedbackFigures(members: number[]): FeedbackFigures {
  const rated = members.filter((i) => ratingOf(i) !== undefined);
  const ratingCounts = { 1: 0, 2: 0, 3: 0, 4: 0, 5: 0 } as Record<Rating, number>;
  for (const i of rated) ratingCounts[ratingOf(i) as Rating]++;
  const automated = members.filter((i) => scoresOf(i) !== undefined);
  const byName = new Map<string, { value: number; max: number }[]>();
  for (const i of automated) for (const s of scoresOf(i)!) byName.set(s.name, [...(byName.get(s.name) ?? []), s]);
  return {
    executions: members.length,
    feedbackCount: rated.length,
    ratedCount: rated.length,
    ratingCounts,
    ratingMean: rated.length ? rated.reduce((a, i) => a + ratingOf(i)!, 0) / rated.length : 0,
    correctionsCount: members.filter((i) => ratingOf(i) !== undefined && correctionsOf(i) !== undefined).length,
    automatedCount: automated.length,
    scores: [...byName.keys()].sort().map((name) => {
      const xs = byName.get(name)!;
      return {
        name,
        count: xs.length,
        mean: xs.reduce((a, s) => a + s.value, 0) / xs.length,
        normalizedMean: xs.reduce((a, s) => a + s.value / s.max, 0) / xs.length,
      };
    }),
  };
}

function expectFeedback(actual: FeedbackFigures, want: FeedbackFigures): void {
  const { ratingMean, scores, ...exact } = want;
  expect(actual).toMatchObject(exact);
  expect(actual.ratingMean).toBeCloseTo(ratingMean, 12);
  expect(actual.scores.map((s) => [s.name, s.count])).toEqual(scores.map((s) => [s.name, s.count]));
  actual.scores.forEach((s, k) => {
    expect(s.mean).toBeCloseTo(scores[k].mean, 12);
    expect(s.normalizedMean).toBeCloseTo(scores[k].normalizedMean, 12);
  });
}
