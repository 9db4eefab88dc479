import { createHash } from "node:crypto";
import type { LabelRollout } from "./prompts.js";

/**
 * Which version a caller gets from a label under rollout: pure, so the server (GetPrompt) and
 * every client (the prompt cache, in any language) resolve the same sticky key to the same version
 * without a round trip.
 *
 * The bucket of a sticky key is the first four bytes of SHA-256(salt + "\0" + stickyKey), read as
 * a big-endian unsigned 32-bit integer u, scaled to 0..9999: floor(u * 10000 / 2^32). A key is on
 * the candidate when bucket < percent * 100. In Python:
 *
 *     u = int.from_bytes(hashlib.sha256(f"{salt}\0{key}".encode()).digest()[:4], "big")
 *     bucket = (u * 10000) >> 32
 *
 * Invariants: the salt is fixed for a rollout, so a key's bucket never changes while it runs; the
 * share only grows from step to step, so a key on B stays on B (monotone); a new rollout has a new
 * salt, so the same users are not always the first to get every change.
 */

/** Buckets a sticky key can fall into: shares have a resolution of 0.01%. */
export const ROLLOUT_BUCKETS = 10_000;

/** The sticky key's bucket in [0, ROLLOUT_BUCKETS) for a rollout's salt. */
export function rolloutBucket(salt: string, stickyKey: string): number {
  const digest = createHash("sha256").update(`${salt}\u0000${stickyKey}`, "utf8").digest();
  // u * 10000 < 2^46: exact in a double, and the same integer Python's shift gives.
  return Math.floor((digest.readUInt32BE(0) * ROLLOUT_BUCKETS) / 2 ** 32);
}

/** True when `percent`% of keys includes this bucket (percent in basis points, rounded). */
export function inRolloutShare(bucket: number, percent: number): boolean {
  return bucket < Math.round(percent * 100);
}

/**
 * The version a label resolves to for `stickyKey`: the label's own version, or the rollout's
 * candidate when the key's bucket falls in its share. Without a sticky key, the stable version.
 *
 * @example
 * resolveLabelVersion({ version: 3, rollout: { rolloutId: "r", toVersion: 4, percent: 25, salt: "9f.." } }, "user-42") // 3 or 4
 */
export function resolveLabelVersion(label: { version: number; rollout?: LabelRollout }, stickyKey?: string): number {
  const r = label.rollout;
  if (!r || stickyKey === undefined || stickyKey === "") return label.version;
  return inRolloutShare(rolloutBucket(r.salt, stickyKey), r.percent) ? r.toVersion : label.version;
}
