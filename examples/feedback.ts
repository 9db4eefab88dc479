/**
 * The guide's Feedback Recording: a user's rating and corrections, and automated scoring, for one
 * execution; then the summary that compares them across prompt revisions.
 * Runnable alone against a live server: `npx tsx examples/feedback.ts` (FABRIC_ADDRESS).
 */
import { FabricClient, type ExecutionWithFeedback, type Fabric, type FeedbackSummary, type JsonValue } from "@cache-fabric/client";

/** The guide's `record_feedback`: rating 1-5, comment, ground-truth corrections. */
export async function recordFeedback(
  fabric: Fabric,
  executionId: string,
  feedback: { rating?: number; comment?: string; corrections?: JsonValue },
): Promise<void> {
  await fabric.recordFeedback({ executionId, ...feedback });
}

/** The guide's `record_automated_feedback`: one point per satisfied check, out of 3. */
export async function recordAutomatedFeedback(
  fabric: Fabric,
  executionId: string,
  output: { confidence?: number; parsed?: { category?: string } },
  latencyMs: number,
): Promise<void> {
  let score = 0;
  if ((output.confidence ?? 0) > 0.9) score += 1;
  if (latencyMs < 500) score += 1;
  if (output.parsed?.category) score += 1;
  await fabric.recordFeedback({ executionId, scores: [{ name: "auto_score", value: score, max: 3 }] });
}

export async function run(fabric: Fabric): Promise<{ execution: ExecutionWithFeedback | null; summary: FeedbackSummary }> {
  const output = { confidence: 0.95, parsed: { category: "account" } };
  const execution = await fabric.recordExecution({
    input: { text: "I forgot my password" },
    output,
    latencyMs: 120,
    promptKey: "router:main:system_message",
  });
  await recordFeedback(fabric, execution.id, { rating: 4, comment: "right queue, slow", corrections: { category: "account" } });
  await recordAutomatedFeedback(fabric, execution.id, output, execution.latencyMs);

  const stored = await fabric.getExecution(execution.id);
  const summary = await fabric.feedbackSummary({ promptKey: "router:main:system_message" });
  console.log(`Rating ${stored?.feedback?.rating}/5, auto score ${stored?.automatedFeedback?.scores?.[0].value}/3`);
  console.log(`Mean rating ${summary.ratingMean.toFixed(2)} over ${summary.ratedCount} rated executions`);
  return { execution: stored, summary };
}

if (require.main === module) {
  const fabric = new FabricClient({ address: process.env.FABRIC_ADDRESS, token: process.env.FABRIC_TOKEN });
  run(fabric)
    .then((result) => console.log(JSON.stringify(result, null, 2)))
    .catch((e) => {
      console.error(String(e));
      process.exitCode = 1;
    })
    .finally(() => fabric.close());
}
