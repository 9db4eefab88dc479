import { FabricError } from "@cache-fabric/client/api";
import type { Interceptor } from "../grpc/adapter.js";
import { PRINCIPAL_ATTRIBUTE, type Principal } from "./policy.js";
import type { TokenTable } from "./tokens.js";

/** Longer bearer values are refused before hashing: a token is a few dozen characters, not megabytes. */
const MAX_TOKEN_LENGTH = 4096;

/**
 * The authentication interceptor: every call must carry `authorization: Bearer <token>` naming a
 * configured token, or it is refused with UNAUTHENTICATED before its handler runs (so RPCs that are
 * not built yet refuse too). The principal is left on the call for the authorisation layer, the
 * rate limiter and the call log. Refusals never echo what was presented.
 */
export function authenticate(tokens: TokenTable): Interceptor {
  return (context) => {
    const values = context.metadata.get("authorization");
    if (values.length === 0) throw new FabricError("UNAUTHENTICATED", "missing credentials: send `authorization: Bearer <token>`");
    if (values.length > 1) throw new FabricError("UNAUTHENTICATED", "more than one authorization header");
    const value = values[0];
    const match = typeof value === "string" ? /^Bearer +(\S+) *$/i.exec(value) : null;
    if (!match || match[1].length > MAX_TOKEN_LENGTH) {
      throw new FabricError("UNAUTHENTICATED", "malformed authorization header: expected `Bearer <token>`");
    }
    const principal = tokens.lookup(match[1]);
    if (!principal) throw new FabricError("UNAUTHENTICATED", "invalid token");
    context.attributes.set(PRINCIPAL_ATTRIBUTE, principal);
  };
}

/** The principal `authenticate` established for a call, if any. */
export function principalOf(attributes: ReadonlyMap<string, unknown>): Principal | undefined {
  return attributes.get(PRINCIPAL_ATTRIBUTE) as Principal | undefined;
}
