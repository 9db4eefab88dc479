import { createHash } from "node:crypto";
import { FabricError } from "@cache-fabric/client/api";

/**
 * Continuation tokens for newest-first listings. A token carries the revision to continue below and
 * a fingerprint of the query it belongs to, so a token is refused when replayed against another query.
 */
export interface PageCursor {
  /** Continue with items whose revision is strictly below this. */
  beforeRevision: number;
}

export function encodePageToken(query: string, cursor: PageCursor): string {
  return Buffer.from(JSON.stringify({ r: cursor.beforeRevision, q: fingerprint(query) })).toString("base64url");
}

export function decodePageToken(token: string | undefined, query: string, field = "page_token"): PageCursor | undefined {
  if (!token) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8"));
  } catch {
    throw FabricError.invalid(field, "is not a token this server issued");
  }
  const { r, q } = (parsed ?? {}) as { r?: unknown; q?: unknown };
  if (typeof r !== "number" || !Number.isSafeInteger(r) || r < 0 || typeof q !== "string") {
    throw FabricError.invalid(field, "is not a token this server issued");
  }
  if (q !== fingerprint(query)) throw FabricError.invalid(field, "belongs to a different query");
  return { beforeRevision: r };
}

function fingerprint(query: string): string {
  return createHash("sha256").update(query).digest("base64url").slice(0, 16);
}
