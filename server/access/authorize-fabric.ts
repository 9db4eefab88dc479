import { createPipeline } from "@cache-fabric/client/api";
import {
  SCOPES, type ExecutionWithFeedback, type Fabric, type Scope, type SearchNamespace, type WatchMessage,
} from "@cache-fabric/client/api";
import { FabricError } from "@cache-fabric/client/api";
import { escapeGlob } from "../contexts/glob.js";
import { validateScope } from "../contexts/validate.js";
import { currentCall } from "../grpc/adapter.js";
import { authorizePrompts } from "../prompts/authorize-prompts.js";
import { principalOf } from "./authenticate.js";
import {
  allows, allowsSome, denied, requireAllowed, requireCovers, requireSome, scopesOf, userPrefix, type Principal,
} from "./policy.js";

export interface AuthorizeOptions {
  /**
   * Who is calling. Default: the principal the authentication interceptor left on the current gRPC
   * call; undefined outside a call (in-process use, which is trusted). Tests inject one.
   */
  principal?: () => Principal | undefined;
}

/** Search answers at most this many results (SearchInput.limit's maximum). */
const MAX_SEARCH_LIMIT = 100;
const DEFAULT_SEARCH_LIMIT = 10;

/**
 * The fabric as a given caller may see it: every method checks its input against the caller's
 * grants before the inner fabric runs, and filters or refuses what comes back, so a token reads and
 * writes only what its policy allows through ANY method (query, search, watch and the execution
 * reads included). The gRPC services serve this wrapper, which keeps authorisation out of both the
 * transport and the core: the handlers stay proto ⇄ API mappings, the core stays policy-free.
 *
 * Rules, per method:
 * - single-key reads and writes (getContext, setContext, deleteContext, batch operations,
 *   recordExecution, recordFeedback, getExecution): the key must be allowed, else PERMISSION_DENIED
 *   and nothing is written (a batch is refused whole);
 * - listings (query, search, watch, listExecutions, exportTrainingData): the caller needs read on
 *   some of the scope; results are filtered to what it may read. A USER-bound caller listing the USER
 *   scope with no pattern is narrowed to its own `user:{id}:*` (pages are then full, not filtered);
 *   search passes the caller's readable namespaces (scope + key prefix per grant) into the index, so
 *   it ranks only what the caller may read;
 * - bulk operations (cleanup, executionStats, feedbackSummary, reindex) need a grant that covers
 *   every key they can touch or summarise;
 * - stats and searchStatus report counts and health, never contexts: any authenticated caller;
 * - a previous context in a delete result is returned only to a caller that may read it.
 *
 * Invariant: no Context, Execution or Feedback leaves this wrapper unless `allows(read)` holds for
 * its (scope, key). Denials are PERMISSION_DENIED naming the token by name, never its secret; the
 * call log records them.
 *
 * Without a principal (no gRPC call) every method passes straight through. Inside a call that has
 * no principal (the wrapper served without the authentication interceptor) every method refuses with
 * UNAUTHENTICATED: misconfiguration fails closed.
 */
export function authorizeFabric(inner: Fabric, options: AuthorizeOptions = {}): Fabric {
  const who = options.principal ?? callerPrincipal;

  const self: Fabric = {
    async setContext(input, o) {
      const p = who();
      if (p) requireAllowed(p, "write", validateScope(input.scope), keyOf(input.key));
      return inner.setContext(input, o);
    },

    async getContext(ref, o) {
      const p = who();
      if (p) requireAllowed(p, "read", validateScope(ref.scope), keyOf(ref.key));
      return inner.getContext(ref, o);
    },

    async deleteContext(input, o) {
      const p = who();
      if (!p) return inner.deleteContext(input, o);
      const scope = validateScope(input.scope);
      requireAllowed(p, "write", scope, keyOf(input.key));
      const result = await inner.deleteContext(input, o);
      return result.previous && !allows(p, "read", scope, result.previous.key)
        ? { deleted: result.deleted, revision: result.revision, storeId: result.storeId }
        : result;
    },

    async query(input, o) {
      const p = who();
      if (!p) return inner.query(input, o);
      const scope = validateScope(input.scope);
      requireSome(p, "read", scope);
      const pattern = ownNamespaceWhenUnfiltered(p, scope, input.pattern);
      const page = await inner.query(pattern === input.pattern ? input : { ...input, pattern }, o);
      return { ...page, contexts: page.contexts.filter((c) => allows(p, "read", c.scope, c.key)) };
    },

    async batch(operations, o) {
      const p = who();
      if (!p) return inner.batch(operations, o);
      if (Array.isArray(operations)) {
        // All or nothing, like the batch itself: one denied operation refuses the whole batch.
        operations.forEach((op, i) => {
          const scope = validateScope(op?.scope, `operations[${i}].scope`);
          if (!allows(p, "write", scope, keyOf(op?.key))) throw denied(p, "write", `${scope} ${keyOf(op?.key)} (operations[${i}])`);
        });
      }
      const result = await inner.batch(operations, o);
      return {
        ...result,
        results: result.results.map((r) =>
          r.op === "delete" && r.previous && !allows(p, "read", r.previous.scope, r.previous.key)
            ? { op: "delete" as const, deleted: r.deleted, revision: r.revision }
            : r,
        ),
      };
    },

    pipeline() {
      return createPipeline((operations, options) => self.batch(operations, options));
    },

    // Counts, memory and hit rate describe the store, not any context: open to every caller.
    async stats(o) {
      who();
      return inner.stats(o);
    },
    async countContexts(scope, o) {
      who();
      return inner.countContexts(scope, o);
    },
    async getMemoryUsage(o) {
      who();
      return inner.getMemoryUsage(o);
    },
    async getHitRate(o) {
      who();
      return inner.getHitRate(o);
    },
    async getAvgLatency(o) {
      who();
      return inner.getAvgLatency(o);
    },

    async cleanup(input, o) {
      const p = who();
      if (p) {
        const scopes = input?.scope === undefined ? SCOPES : [validateScope(input.scope)];
        for (const scope of scopes) requireCovers(p, "write", scope, input.pattern ?? "*");
      }
      return inner.cleanup(input, o);
    },

    watch(input) {
      const p = who();
      if (!p) return inner.watch(input);
      const scope = validateScope(input.scope);
      requireSome(p, "read", scope);
      if (input.key !== undefined) requireAllowed(p, "read", scope, keyOf(input.key));
      if (Array.isArray(input.keys)) for (const key of input.keys) requireAllowed(p, "read", scope, keyOf(key));
      const unfiltered = input.key === undefined && input.keys === undefined && input.prefix === undefined && input.pattern === undefined;
      const narrowed = unfiltered && scope === "USER" && p.user !== undefined ? { ...input, prefix: userPrefix(p.user) } : input;
      return filterWatch(inner.watch(narrowed), p);
    },

    async search(input, o) {
      const p = who();
      if (!p) return inner.search(input, o);
      const scopes = scopesOf(input.scope === undefined ? undefined : validateScope(input.scope));
      if (!scopes.some((s) => allowsSome(p, "read", s))) throw denied(p, "read", input.scope === undefined ? "any scope" : `the ${input.scope} scope`);
      // The caller's grants go into the index as namespaces, so a filtered search ranks only what
      // the caller may read (a user's own memories are never crowded out by everyone else's).
      const { within, exact } = readableNamespaces(p, scopes, input.within);
      const narrowed = { ...input, within };
      if (exact) return (await inner.search(narrowed, o)).filter((r) => allows(p, "read", r.context.scope, r.context.key));
      // Some grant is not a plain prefix (`*:public`): the namespaces are a superset; ask for the
      // most the index answers and keep what the caller may read.
      const wanted = input.limit === undefined || input.limit === 0 ? DEFAULT_SEARCH_LIMIT : input.limit;
      const widen = Number.isInteger(wanted) && wanted >= 1 && wanted <= MAX_SEARCH_LIMIT;
      const results = await inner.search(widen ? { ...narrowed, limit: MAX_SEARCH_LIMIT } : narrowed, o);
      const visible = results.filter((r) => allows(p, "read", r.context.scope, r.context.key));
      return widen ? visible.slice(0, wanted) : visible;
    },

    reindex(o) {
      const p = who();
      // Re-embedding everything is an operator's job: it costs the whole corpus.
      if (p) for (const scope of SCOPES) requireCovers(p, "write", scope, "*");
      return inner.reindex(o);
    },

    async searchStatus(o) {
      who();
      return inner.searchStatus(o);
    },

    async recordExecution(input, o) {
      const p = who();
      if (p) {
        // Without an id the server generates one: only a grant over every execution key can allow that.
        if (input?.id === undefined || input.id === "") requireCovers(p, "write", "EXECUTION", "execution:*");
        else requireAllowed(p, "write", "EXECUTION", executionKey(input.id));
      }
      return inner.recordExecution(input, o);
    },

    async recordFeedback(input, o) {
      const p = who();
      if (p) {
        const automated = Array.isArray(input?.scores) && input.scores.length > 0;
        requireAllowed(p, "write", "FEEDBACK", feedbackKey(keyOf(input?.executionId), automated));
      }
      return inner.recordFeedback(input, o);
    },

    async getExecution(id, o) {
      const p = who();
      if (!p) return inner.getExecution(id, o);
      requireAllowed(p, "read", "EXECUTION", executionKey(keyOf(id)));
      const found = await inner.getExecution(id, o);
      return found && visibleExecution(p, found);
    },

    async listExecutions(input, o) {
      const p = who();
      if (!p) return inner.listExecutions(input, o);
      requireSome(p, "read", "EXECUTION");
      const page = await inner.listExecutions(input, o);
      return { ...page, executions: page.executions.filter((e) => allows(p, "read", "EXECUTION", executionKey(e.id))) };
    },

    async executionStats(input, o) {
      const p = who();
      if (p) requireCovers(p, "read", "EXECUTION", "execution:*");
      return inner.executionStats(input, o);
    },

    async feedbackSummary(input, o) {
      const p = who();
      if (p) {
        requireCovers(p, "read", "EXECUTION", "execution:*");
        requireCovers(p, "read", "FEEDBACK", "feedback:*");
      }
      return inner.feedbackSummary(input, o);
    },

    exportTrainingData(input, o) {
      const p = who();
      if (!p) return inner.exportTrainingData(input, o);
      requireSome(p, "read", "EXECUTION");
      return filterExport(inner.exportTrainingData(input, o), p);
    },

    prompts: authorizePrompts(inner.prompts, who),

    close: () => inner.close(),
  };
  return self;
}

/**
 * The (scope, key prefix) namespaces `p` may read among `scopes` (or among the `requested`
 * namespaces), one per read grant: a grant's keys glob contributes its literal prefix (`router:*` →
 * `router:`, `*` → the whole scope), narrowed to `user:{id}:` in USER for a user-bound token.
 * `exact` is true when every contributing glob is a plain prefix glob, so the namespaces are exactly
 * what `allows` permits; otherwise they are a superset and results must still be filtered.
 */
function readableNamespaces(p: Principal, scopes: readonly Scope[], requested: readonly SearchNamespace[] | undefined): { within: SearchNamespace[]; exact: boolean } {
  let exact = true;
  const allowed: SearchNamespace[] = [];
  for (const scope of scopes) {
    for (const g of p.grants) {
      if (!(g.scope === "*" || g.scope === scope) || !g.read) continue;
      let prefix = g.keys.prefix;
      const plain = g.keys.source === "*" || g.keys.source === escapeGlob(prefix) + "*";
      if (scope === "USER" && p.user !== undefined) {
        const own = userPrefix(p.user);
        if (own.startsWith(prefix)) prefix = own;
        else if (!prefix.startsWith(own)) continue; // the grant names other users' keys only
      }
      if (!plain) exact = false;
      allowed.push({ scope, ...(prefix ? { keyPrefix: prefix } : {}) });
    }
  }
  let within = allowed;
  if (requested !== undefined && Array.isArray(requested)) {
    // What the caller asked for, intersected with what it may read.
    within = [];
    requested.forEach((r, i) => {
      const scope = validateScope(r?.scope, `within[${i}].scope`);
      const want = typeof r.keyPrefix === "string" ? r.keyPrefix : "";
      for (const a of allowed) {
        if (a.scope !== scope) continue;
        const have = a.keyPrefix ?? "";
        if (want.startsWith(have)) within.push({ scope, ...(want ? { keyPrefix: want } : {}) });
        else if (have.startsWith(want)) within.push({ scope, ...(have ? { keyPrefix: have } : {}) });
      }
    });
  }
  // A namespace inside another of the same scope adds nothing.
  const covered = (n: SearchNamespace, m: SearchNamespace) => n !== m && n.scope === m.scope && (n.keyPrefix ?? "").startsWith(m.keyPrefix ?? "");
  const unique = within.filter((n, i) => !within.some((m, j) => covered(n, m) && !(covered(m, n) && j > i)));
  return { within: unique, exact };
}

function callerPrincipal(): Principal | undefined {
  const call = currentCall();
  if (!call) return undefined;
  const principal = principalOf(call.attributes);
  if (!principal) throw new FabricError("UNAUTHENTICATED", "this server requires authentication");
  return principal;
}

/** Keys arrive as strings over gRPC; in process anything may: a non-string matches no grant. */
function keyOf(key: unknown): string {
  return typeof key === "string" ? key : "";
}

function executionKey(id: string): string {
  return `execution:${id}`;
}

function feedbackKey(executionId: string, automated: boolean): string {
  return `feedback:${executionId}${automated ? ":auto" : ""}`;
}

/** A USER-bound caller listing USER with no pattern gets its own namespace rather than filtered pages. */
function ownNamespaceWhenUnfiltered(p: Principal, scope: Scope, pattern: string | undefined): string | undefined {
  if (scope !== "USER" || p.user === undefined || (pattern !== undefined && pattern !== "" && pattern !== "*")) return pattern;
  return escapeGlob(userPrefix(p.user)) + "*";
}

function visibleExecution(p: Principal, x: ExecutionWithFeedback): ExecutionWithFeedback {
  const id = x.execution.id;
  const out: ExecutionWithFeedback = { execution: x.execution };
  if (x.feedback && allows(p, "read", "FEEDBACK", feedbackKey(id, false))) out.feedback = x.feedback;
  if (x.automatedFeedback && allows(p, "read", "FEEDBACK", feedbackKey(id, true))) out.automatedFeedback = x.automatedFeedback;
  return out;
}

async function* filterWatch(source: AsyncIterable<WatchMessage>, p: Principal): AsyncIterable<WatchMessage> {
  for await (const m of source) {
    // A change the caller may not read is dropped; the next message it may see (or a progress
    // notification) carries the watch's resume point past it.
    if (m.kind === "event" && !allows(p, "read", m.event.scope, m.event.key)) continue;
    yield m.kind === "reset" ? { ...m, contexts: m.contexts.filter((c) => allows(p, "read", c.scope, c.key)) } : m;
  }
}

async function* filterExport(source: AsyncIterable<ExecutionWithFeedback>, p: Principal): AsyncIterable<ExecutionWithFeedback> {
  for await (const x of source) {
    if (allows(p, "read", "EXECUTION", executionKey(x.execution.id))) yield visibleExecution(p, x);
  }
}
