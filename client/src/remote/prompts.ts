import { FabricError } from "../api/errors.js";
import type { PromptRegistry } from "../api/prompts.js";
import { PromptService } from "../gen/cachefabric/v1/prompt_pb.js";
import {
  diffFromPb,
  diffRequestToPb,
  getToPb,
  historyToPb,
  labelFromPb,
  listToPb,
  moveFromPb,
  moveRequestToPb,
  publishToPb,
  rolloutActionToPb,
  rolloutFromPb,
  startToPb,
  versionFromPb,
  evaluationFromPb,
} from "../wire/prompt-convert.js";
import type { Transport } from "./transport.js";

const M = PromptService.method;

/**
 * PromptService over a transport: `FabricClient.prompts`, the same `PromptRegistry` as the
 * in-process core's. API types ⇄ proto in prompt-convert.ts; one call each. A call's `actor`
 * option is never sent: the server attributes writes to the caller's token.
 */
export function remotePrompts(transport: Transport): PromptRegistry {
  return {
    async publish(input, options) {
      const res = await transport.unary(M.publishPrompt, publishToPb(input), options);
      return { version: versionFromPb(required(res.version, "version")), created: res.created };
    },
    async get(input, options) {
      const res = await transport.unary(M.getPrompt, getToPb(input), options);
      if (!res.version) return null;
      return { version: versionFromPb(res.version), ...(res.label ? { label: labelFromPb(res.label) } : {}) };
    },
    async listVersions(input, options) {
      const res = await transport.unary(M.listPromptVersions, listToPb(input), options);
      return { versions: res.versions.map(versionFromPb), ...(res.nextPageToken ? { nextPageToken: res.nextPageToken } : {}) };
    },
    async listLabels(name, options) {
      if (typeof name !== "string") throw FabricError.invalid("name", "must be a string");
      const res = await transport.unary(M.listPromptLabels, { name }, options);
      return res.labels.map(labelFromPb);
    },
    async diff(input, options) {
      return diffFromPb(await transport.unary(M.diffPromptVersions, diffRequestToPb(input), options));
    },
    async moveLabel(input, options) {
      const res = await transport.unary(M.moveLabel, moveRequestToPb(input), options);
      return { label: labelFromPb(required(res.label, "label")), ...(res.move ? { move: moveFromPb(res.move) } : {}) };
    },
    async labelHistory(input, options) {
      const res = await transport.unary(M.labelHistory, historyToPb(input), options);
      return { moves: res.moves.map(moveFromPb), ...(res.nextPageToken ? { nextPageToken: res.nextPageToken } : {}) };
    },
    async startRollout(input, options) {
      const res = await transport.unary(M.startRollout, startToPb(input), options);
      return { rollout: rolloutFromPb(required(res.rollout, "rollout")), label: labelFromPb(required(res.label, "label")) };
    },
    async pauseRollout(input, options) {
      return rolloutFromPb(required((await transport.unary(M.pauseRollout, rolloutActionToPb(input), options)).rollout, "rollout"));
    },
    async resumeRollout(input, options) {
      return rolloutFromPb(required((await transport.unary(M.resumeRollout, rolloutActionToPb(input), options)).rollout, "rollout"));
    },
    async promoteRollout(input, options) {
      const res = await transport.unary(M.promoteRollout, rolloutActionToPb(input), options);
      return { rollout: rolloutFromPb(required(res.rollout, "rollout")), label: labelFromPb(required(res.label, "label")) };
    },
    async abortRollout(input, options) {
      const res = await transport.unary(M.abortRollout, rolloutActionToPb(input), options);
      return { rollout: rolloutFromPb(required(res.rollout, "rollout")), label: labelFromPb(required(res.label, "label")) };
    },
    async rolloutStatus(input, options) {
      const { name, label } = rolloutActionToPb(input);
      const res = await transport.unary(M.getRollout, { name, label }, options);
      if (!res.rollout) return null;
      return { rollout: rolloutFromPb(res.rollout), ...(res.evaluation ? { evaluation: evaluationFromPb(res.evaluation) } : {}) };
    },
  };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new FabricError("INTERNAL", `server sent a response without ${what}`);
  return value;
}
