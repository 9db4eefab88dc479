import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { FabricError } from "../../api/errors.js";
import type { ExportInput } from "../../api/types.js";
import type { CliContext, Command } from "../command.js";
import { boolFlag, dateFlag, intFlag, positionals } from "../flag-values.js";
import { createProgress } from "../progress.js";

/**
 * `cache-fabric export`: training data as JSONL, one example per line, each the JSON of what
 * `exportTrainingData` yields: `{"execution": {...}, "feedback": {...}, "automatedFeedback": {...}}`
 * (dates as ISO-8601 strings; feedback members absent when there is none).
 *
 * With `--out` the file appears only once the export is complete (written beside it, then renamed), so
 * a failed export never leaves a truncated file that looks finished.
 */
export const command: Command = {
  summary: "write executions joined with their feedback as JSONL (training data)",
  usage: "cache-fabric export [--out file.jsonl] [--since ISO] [--until ISO] [--min-rating 1..5] [--has-corrections] [--prompt-key KEY]",
  flags: {
    out: { kind: "string", help: "FILE  write here (it appears only once complete) instead of stdout" },
    since: { kind: "string", help: "ISO  executions started at or after" },
    until: { kind: "string", help: "ISO  executions started before" },
    "min-rating": { kind: "string", help: "N  only executions rated at least N (1-5)" },
    "has-corrections": { kind: "boolean", help: "only executions whose feedback has corrections" },
    "prompt-key": { kind: "string", help: "KEY  only executions of this prompt" },
  },
  async run(ctx) {
    positionals(ctx.args, []);
    const input = exportInput(ctx.flags);
    const out = ctx.flags.get("out");
    const progress = createProgress("export", await expectedTotal(ctx, input));
    const partial = out ? `${out}.partial` : undefined;
    const sink = partial ? createWriteStream(partial) : ctx.out;
    let written = 0;
    try {
      for await (const example of ctx.client.exportTrainingData(input)) {
        if (!sink.write(JSON.stringify(example) + "\n")) await once(sink, "drain");
        written++;
        progress.tick();
      }
      if (partial) {
        sink.end();
        await once(sink, "finish");
        await rename(partial, out!);
      }
    } catch (e) {
      if (partial) {
        sink.end();
        await rm(partial, { force: true });
      }
      throw e;
    } finally {
      progress.done();
    }
    process.stderr.write(`exported ${written} example${written === 1 ? "" : "s"}${out ? ` to ${out}` : ""}\n`);
  },
};

function exportInput(flags: Map<string, string>): ExportInput {
  const input: ExportInput = {};
  const since = dateFlag(flags, "since");
  const until = dateFlag(flags, "until");
  const minRating = intFlag(flags, "min-rating", 1, 5);
  if (since) input.since = since;
  if (until) input.until = until;
  if (minRating !== undefined) input.minRating = minRating;
  if (flags.has("has-corrections")) input.hasCorrections = boolFlag(flags, "has-corrections");
  const promptKey = flags.get("prompt-key");
  if (promptKey) input.promptKey = promptKey;
  return input;
}

/**
 * How many examples the export will write, for the progress bar, from the summary over the same
 * window; undefined (a count without a bar) when the filters combine so that it cannot say.
 */
async function expectedTotal({ client }: CliContext, input: ExportInput): Promise<number | undefined> {
  const window = { since: input.since, until: input.until, promptKey: input.promptKey };
  try {
    if (input.minRating !== undefined && input.hasCorrections) return undefined;
    if (input.hasCorrections) return (await client.feedbackSummary(window)).correctionsCount;
    if (input.minRating !== undefined) {
      const { ratingCounts } = await client.feedbackSummary(window);
      return ([1, 2, 3, 4, 5] as const).filter((r) => r >= input.minRating!).reduce((n, r) => n + ratingCounts[r], 0);
    }
    return (await client.executionStats(window)).count;
  } catch (e) {
    // An older server or a slow summary must not stop the export itself.
    if (FabricError.is(e, "UNIMPLEMENTED") || FabricError.is(e, "DEADLINE_EXCEEDED")) return undefined;
    throw e;
  }
}
