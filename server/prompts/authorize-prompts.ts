import type { PromptRegistry, RegistryCallOptions } from "@cache-fabric/client/api";
import { escapeGlob } from "../contexts/glob.js";
import { requireCovers, type Action, type Principal } from "../access/policy.js";
import { promptPrefix } from "./keys.js";
import { validatePromptName } from "./names.js";

/**
 * The registry as a caller may use it. Until the registry has grants of its own (issue 14, phase
 * 2: publishing, and each label), a call on prompt P is authorised as the contexts it reads or
 * writes: a read needs read, and a publish, label move or rollout action needs write, on every GLOBAL
 * key `prompt:P@*` (a grant such as `{ scope: GLOBAL, keys: "prompt:router:*", access: read-write }`).
 * Writes are attributed to the token's name (`actor`), whatever the caller passed.
 *
 * Without a principal (in-process use, trusted) every call passes straight through.
 */
export function authorizePrompts(inner: PromptRegistry, who: () => Principal | undefined): PromptRegistry {
  const guard = (action: Action, name: unknown, o: RegistryCallOptions | undefined): RegistryCallOptions | undefined => {
    const p = who();
    if (!p) return o;
    requireCovers(p, action, "GLOBAL", `${escapeGlob(promptPrefix(validatePromptName(name)))}*`);
    return { ...o, actor: p.name };
  };
  return {
    publish: async (input, o) => inner.publish(input, guard("write", input?.name, o)),
    get: async (input, o) => inner.get(input, guard("read", input?.name, o)),
    listVersions: async (input, o) => inner.listVersions(input, guard("read", input?.name, o)),
    listLabels: async (name, o) => inner.listLabels(name, guard("read", name, o)),
    diff: async (input, o) => inner.diff(input, guard("read", input?.name, o)),
    moveLabel: async (input, o) => inner.moveLabel(input, guard("write", input?.name, o)),
    labelHistory: async (input, o) => inner.labelHistory(input, guard("read", input?.name, o)),
    startRollout: async (input, o) => inner.startRollout(input, guard("write", input?.name, o)),
    pauseRollout: async (input, o) => inner.pauseRollout(input, guard("write", input?.name, o)),
    resumeRollout: async (input, o) => inner.resumeRollout(input, guard("write", input?.name, o)),
    promoteRollout: async (input, o) => inner.promoteRollout(input, guard("write", input?.name, o)),
    abortRollout: async (input, o) => inner.abortRollout(input, guard("write", input?.name, o)),
    rolloutStatus: async (input, o) => inner.rolloutStatus(input, guard("read", input?.name, o)),
  };
}
