import type { FabricClient } from "@cache-fabric/client";
import { createMemoryStore } from "../../server/store/memory.js";
import { startOpsServer, type OpsTestServer } from "../support/ops-server.js";
import { fakeClock } from "./suite.js";

/**
 * Rollout metrics (server/telemetry/metrics.ts) scraped over HTTP from a server wired as
 * server/main.ts wires it, while rollouts start, advance, roll back, and operators act; the
 * controller is ticked by hand with an injected clock.
 */

function sample(text: string, name: string, labels = ""): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${name}${labels ? `{${labels}}` : ""} `));
  return line === undefined ? undefined : Number(line.split(" ").at(-1));
}

let t: OpsTestServer;
let client: FabricClient;
const clock = fakeClock();

beforeAll(async () => {
  t = await startOpsServer(createMemoryStore(), {
    config: { metricsListen: "127.0.0.1:0" },
    fabric: { prompts: { evaluationIntervalMs: 0, clock: clock.now } },
  });
  client = t.client();
});
afterAll(() => t.stop());

const scrape = async () => (await fetch(`http://${t.ops.metricsAddress}/metrics`)).text();
const event = (text: string, prompt: string, e: string) => sample(text, "fabric_prompt_rollout_events_total", `prompt="${prompt}",event="${e}"`);
const verdicts = (text: string, prompt: string, v: string) => sample(text, "fabric_prompt_gate_evaluations_total", `prompt="${prompt}",verdict="${v}"`);

async function runs(name: string, version: number, n: number, status: "OK" | "ERROR"): Promise<void> {
  for (let i = 0; i < n; i++) {
    await client.recordExecution({
      input: "q",
      latencyMs: 10,
      status,
      ...(status === "ERROR" ? { error: "failed" } : {}),
      promptKey: name,
      promptVersion: version,
      promptLabel: "production",
      startedAt: new Date(clock.now() + i),
    });
  }
}

async function twoVersions(name: string): Promise<void> {
  for (const text of ["A", "B"]) await client.prompts.publish({ name, text });
  await client.prompts.moveLabel({ name, label: "production", version: 1, reason: "A" });
}

test("started, gate evaluations by verdict, advanced, rolled back, and the live rollouts gauge", async () => {
  await twoVersions("r");
  const steps = [
    { percent: 10, bakeMs: 60_000 },
    { percent: 50, bakeMs: 60_000 },
    { percent: 100, bakeMs: 0 },
  ];
  await client.prompts.startRollout({ name: "r", label: "production", toVersion: 2, steps, gate: { minSamples: 5 }, reason: "try B" });
  let text = await scrape();
  expect(event(text, "r", "started")).toBe(1);
  expect(sample(text, "fabric_prompt_rollouts_active")).toBe(0); // no pass yet

  await t.fabric.prompts.controller.tick(); // no executions: WAIT
  text = await scrape();
  expect(verdicts(text, "r", "wait")).toBe(1);
  expect(sample(text, "fabric_prompt_rollouts_active")).toBe(1);

  await runs("r", 1, 5, "OK");
  await runs("r", 2, 5, "OK");
  clock.advance(60_001);
  expect((await t.fabric.prompts.controller.tick()).decisions.map((d) => d.kind)).toEqual(["advance"]);
  text = await scrape();
  expect(verdicts(text, "r", "pass")).toBe(1);
  expect(event(text, "r", "advanced")).toBe(1);

  await runs("r", 1, 5, "OK");
  await runs("r", 2, 5, "ERROR");
  expect((await t.fabric.prompts.controller.tick()).decisions.map((d) => d.kind)).toEqual(["rollback"]);
  text = await scrape();
  expect(verdicts(text, "r", "regression")).toBe(1);
  expect(event(text, "r", "rolled_back")).toBe(1);
  expect(event(text, "r", "completed")).toBeUndefined();

  await t.fabric.prompts.controller.tick();
  expect(sample(await scrape(), "fabric_prompt_rollouts_active")).toBe(0);
});

test("operators' actions count by prompt: paused, resumed, promoted, aborted; a completion too", async () => {
  await twoVersions("ops");
  await twoVersions("abort");
  await twoVersions("auto");
  const steps = [
    { percent: 10, bakeMs: 0 },
    { percent: 100, bakeMs: 0 },
  ];
  const ref = (name: string) => ({ name, label: "production", reason: "operator" });
  for (const name of ["ops", "abort", "auto"]) {
    await client.prompts.startRollout({ name, label: "production", toVersion: 2, steps, gate: { minSamples: 1 }, reason: "go" });
  }
  await client.prompts.pauseRollout(ref("ops"));
  await client.prompts.resumeRollout(ref("ops"));
  await client.prompts.promoteRollout(ref("ops"));
  await client.prompts.abortRollout(ref("abort"));
  await runs("auto", 1, 1, "OK");
  await runs("auto", 2, 1, "OK");
  expect((await t.fabric.prompts.controller.tick()).decisions.map((d) => [d.name, d.kind])).toEqual([["auto", "complete"]]);
  const text = await scrape();
  expect(["paused", "resumed", "promoted", "aborted", "completed"].map((e) => event(text, "ops", e))).toEqual([1, 1, 1, undefined, undefined]);
  expect(event(text, "abort", "aborted")).toBe(1);
  expect(event(text, "auto", "completed")).toBe(1);
  expect(event(text, "auto", "started")).toBe(1);
});
