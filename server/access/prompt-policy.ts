import { promptPrefix } from "@cache-fabric/client/api";
import { escapeGlob } from "../contexts/glob.js";
import { covers, denied, requireCovers, type Principal } from "./policy.js";

/**
 * Who may do what in the prompt registry. The registry's records are GLOBAL contexts
 * (`prompt:{name}@...`), and the context grants keep their meaning for them; prompt grants (a
 * token's `prompts:` list) add rights that a context grant cannot express:
 *
 * - Reading a prompt (get, list versions and labels, diff, history, rollout status) needs read on
 *   every GLOBAL key `prompt:{name}@*`: the same grant an agent needs to watch its label records
 *   and read its versions (the label-following prompt cache does exactly that).
 * - Publishing a version of prompt P needs a prompt grant with `publish: true` whose `names` match
 *   P, or write on every key `prompt:P@*`.
 * - Moving label L of prompt P, and every rollout action on it (start, pause, resume, promote,
 *   abort), needs a prompt grant whose `names` match P and one of whose `labels` matches L; or,
 *   when L is not protected, write on every key `prompt:P@*`. A label is protected when it matches
 *   one of the token documents' `protectedLabels`: then only a prompt grant naming it will do.
 *
 * Automatic rollout decisions are the server's own (no principal) and are never refused.
 */

/** The GLOBAL keys holding prompt `name`'s records, as a glob. */
function recordsOf(name: string): string {
  return `${escapeGlob(promptPrefix(name))}*`;
}

/** Throws PERMISSION_DENIED unless `p` may read prompt `name`. */
export function requirePromptRead(p: Principal, name: string): void {
  requireCovers(p, "read", "GLOBAL", recordsOf(name));
}

/** Throws PERMISSION_DENIED unless `p` may publish versions of prompt `name`. */
export function requirePublish(p: Principal, name: string): void {
  if ((p.promptGrants ?? []).some((g) => g.publish && g.names.matches(name))) return;
  if (covers(p, "write", "GLOBAL", recordsOf(name))) return;
  throw denied(p, "publish", `versions of prompt "${name}" (needs a prompts grant with publish: true, or write on GLOBAL ${recordsOf(name)})`);
}

/** True when label `label` matches the token documents' protectedLabels. */
export function isProtectedLabel(p: Principal, label: string): boolean {
  return (p.protectedLabels ?? []).some((g) => g.matches(label));
}

/** Throws PERMISSION_DENIED unless `p` may move (and roll out) label `label` of prompt `name`. */
export function requireLabel(p: Principal, name: string, label: string): void {
  if ((p.promptGrants ?? []).some((g) => g.names.matches(name) && g.labels.some((l) => l.matches(label)))) return;
  const guarded = isProtectedLabel(p, label);
  if (!guarded && covers(p, "write", "GLOBAL", recordsOf(name))) return;
  throw denied(
    p,
    "move",
    guarded
      ? `label "${label}" of prompt "${name}": the label is protected (needs a prompts grant whose labels name it)`
      : `label "${label}" of prompt "${name}" (needs a prompts grant whose labels name it, or write on GLOBAL ${recordsOf(name)})`,
  );
}
