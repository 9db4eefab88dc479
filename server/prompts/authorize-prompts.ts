import type { PromptRegistry, RegistryCallOptions } from "@cache-fabric/client/api";
import { requireLabel, requirePromptRead, requirePublish } from "../access/prompt-policy.js";
import type { Principal } from "../access/policy.js";
import { validateLabelName, validatePromptName } from "./names.js";

/**
 * The registry as a caller may use it (the rules: server/access/prompt-policy.ts): reads need
 * read on the prompt's records, a publish needs a publish right, a label move or rollout action a
 * right on that label (protected labels only by a prompt grant naming them). Names are checked
 * before rights, so a malformed one is INVALID_ARGUMENT for everyone. Writes are attributed to the
 * token's name (`actor`), whatever the caller passed.
 *
 * Without a principal (in-process use, trusted) every call passes straight through.
 */
export function authorizePrompts(inner: PromptRegistry, who: () => Principal | undefined): PromptRegistry {
  const guard = (o: RegistryCallOptions | undefined, check: (p: Principal) => void): RegistryCallOptions | undefined => {
    const p = who();
    if (!p) return o;
    check(p);
    return { ...o, actor: p.name };
  };
  const read = (name: unknown, o?: RegistryCallOptions) => guard(o, (p) => requirePromptRead(p, validatePromptName(name)));
  const publish = (name: unknown, o?: RegistryCallOptions) => guard(o, (p) => requirePublish(p, validatePromptName(name)));
  const label = (input: { name?: unknown; label?: unknown } | undefined, o?: RegistryCallOptions) =>
    guard(o, (p) => requireLabel(p, validatePromptName(input?.name), validateLabelName(input?.label)));
  return {
    publish: async (input, o) => inner.publish(input, publish(input?.name, o)),
    get: async (input, o) => inner.get(input, read(input?.name, o)),
    listVersions: async (input, o) => inner.listVersions(input, read(input?.name, o)),
    listLabels: async (name, o) => inner.listLabels(name, read(name, o)),
    diff: async (input, o) => inner.diff(input, read(input?.name, o)),
    moveLabel: async (input, o) => inner.moveLabel(input, label(input, o)),
    labelHistory: async (input, o) => inner.labelHistory(input, read(input?.name, o)),
    startRollout: async (input, o) => inner.startRollout(input, label(input, o)),
    pauseRollout: async (input, o) => inner.pauseRollout(input, label(input, o)),
    resumeRollout: async (input, o) => inner.resumeRollout(input, label(input, o)),
    promoteRollout: async (input, o) => inner.promoteRollout(input, label(input, o)),
    abortRollout: async (input, o) => inner.abortRollout(input, label(input, o)),
    rolloutStatus: async (input, o) => inner.rolloutStatus(input, read(input?.name, o)),
  };
}
