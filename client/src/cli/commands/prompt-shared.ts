import type { FlagSpec } from "../command.js";
import { UsageError } from "../command.js";

/** Flags and argument rules the `prompt` commands share. */

export const REASON_FLAG: FlagSpec = { kind: "string", help: "TEXT  why (required; kept in the label history)" };
export const OPTIONAL_REASON_FLAG: FlagSpec = { kind: "string", help: "TEXT  why (kept in the rollout's events)" };
export const IF_VERSION_FLAG: FlagSpec = { kind: "string", help: "N  only if the label now points at version N (0: only if it does not exist)" };
export const LIMIT_FLAG: FlagSpec = { kind: "string", help: "N  page size, 1-1000 (default 100)" };
export const ALL_FLAG: FlagSpec = { kind: "boolean", help: "follow every page" };

/** A version number argument: a positive integer. */
export function versionArg(raw: string, what: string): number {
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${what}: must be a version number, 1 or more (got "${raw}")`);
  return n;
}

/** `--reason`, which label moves and most rollout actions require (nothing is sent without it). */
export function requiredReason(flags: Map<string, string>): string {
  const reason = flags.get("reason");
  if (reason === undefined || reason === "") throw new UsageError("--reason: is required (it is kept in the label history)");
  return reason;
}

/** A JSON flag's value, parsed; a UsageError naming the flag when it is not JSON. */
export function jsonFlag<T>(flags: Map<string, string>, name: string): T | undefined {
  const raw = flags.get(name);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw) as T;
  } catch (e) {
    throw new UsageError(`--${name}: is not JSON (${(e as Error).message})`);
  }
}

/** `a,b,c` → ["a", "b", "c"] (empty pieces dropped); undefined when absent. */
export function listFlag(flags: Map<string, string>, name: string): string[] | undefined {
  const raw = flags.get(name);
  return raw === undefined ? undefined : raw.split(",").filter((s) => s !== "");
}

/**
 * Prints a paged listing: one page, or every page with `--all` (as `query` does: without it, the
 * continuation token goes to stderr). Returns how many items were printed.
 */
export async function printPages<T>(
  flags: Map<string, string>,
  fetch: (pageToken: string | undefined) => Promise<{ items: T[]; nextPageToken?: string }>,
  each: (item: T) => void,
): Promise<number> {
  const all = flags.get("all") === "true";
  let pageToken = flags.get("page-token");
  let count = 0;
  for (;;) {
    const page = await fetch(pageToken);
    for (const item of page.items) each(item);
    count += page.items.length;
    pageToken = page.nextPageToken;
    if (!pageToken) return count;
    if (!all) {
      process.stderr.write(`more: --page-token ${pageToken} (or --all)\n`);
      return count;
    }
  }
}

export const PAGE_TOKEN_FLAG: FlagSpec = { kind: "string", help: "T  continue from this page token" };
