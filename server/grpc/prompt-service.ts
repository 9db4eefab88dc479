import {
  diffRequestFromPb,
  diffToPb,
  evaluationToPb,
  getFromPb,
  historyFromPb,
  labelToPb,
  listFromPb,
  moveRequestFromPb,
  moveToPb,
  publishFromPb,
  rolloutActionFromPb,
  rolloutToPb,
  startFromPb,
  versionToPb,
} from "@cache-fabric/client/wire";
import type { PromptService } from "@cache-fabric/client/gen/prompt";
import type { Fabric, RolloutResult } from "@cache-fabric/client/api";
import type { ServiceHandlers } from "./adapter.js";

type Handlers = ServiceHandlers<(typeof PromptService)["method"]>;

/**
 * PromptService over a Fabric's registry (`fabric.prompts`): proto ⇄ API types
 * (client/src/wire/prompt-convert.ts), nothing else. Who acts is not taken from the request: the
 * authorisation layer names the token (server/prompts/authorize-prompts.ts).
 */
export function promptServiceHandlers(fabric: Fabric): Handlers {
  const prompts = fabric.prompts;
  const result = (r: RolloutResult) => ({ rollout: rolloutToPb(r.rollout), label: labelToPb(r.label) });
  return {
    async publishPrompt(req, { signal }) {
      const { version, created } = await prompts.publish(publishFromPb(req), { signal });
      return { version: versionToPb(version), created };
    },
    async getPrompt(req, { signal }) {
      const got = await prompts.get(getFromPb(req), { signal });
      return got ? { version: versionToPb(got.version), ...(got.label ? { label: labelToPb(got.label) } : {}) } : {};
    },
    async listPromptVersions(req, { signal }) {
      const page = await prompts.listVersions(listFromPb(req), { signal });
      return { versions: page.versions.map(versionToPb), nextPageToken: page.nextPageToken ?? "" };
    },
    async listPromptLabels(req, { signal }) {
      return { labels: (await prompts.listLabels(req.name, { signal })).map(labelToPb) };
    },
    async diffPromptVersions(req, { signal }) {
      return diffToPb(await prompts.diff(diffRequestFromPb(req), { signal }));
    },
    async moveLabel(req, { signal }) {
      const moved = await prompts.moveLabel(moveRequestFromPb(req), { signal });
      return { label: labelToPb(moved.label), ...(moved.move ? { move: moveToPb(moved.move) } : {}) };
    },
    async labelHistory(req, { signal }) {
      const page = await prompts.labelHistory(historyFromPb(req), { signal });
      return { moves: page.moves.map(moveToPb), nextPageToken: page.nextPageToken ?? "" };
    },
    async startRollout(req, { signal }) {
      return result(await prompts.startRollout(startFromPb(req), { signal }));
    },
    async pauseRollout(req, { signal }) {
      return { rollout: rolloutToPb(await prompts.pauseRollout(rolloutActionFromPb(req), { signal })) };
    },
    async resumeRollout(req, { signal }) {
      return { rollout: rolloutToPb(await prompts.resumeRollout(rolloutActionFromPb(req), { signal })) };
    },
    async promoteRollout(req, { signal }) {
      return result(await prompts.promoteRollout(rolloutActionFromPb(req), { signal }));
    },
    async abortRollout(req, { signal }) {
      return result(await prompts.abortRollout(rolloutActionFromPb(req), { signal }));
    },
    async getRollout(req, { signal }) {
      const status = await prompts.rolloutStatus(rolloutActionFromPb(req), { signal });
      return status ? { rollout: rolloutToPb(status.rollout), ...(status.evaluation ? { evaluation: evaluationToPb(status.evaluation) } : {}) } : {};
    },
  };
}
