/**
 * The prompt registry's API (PromptService), in TypeScript terms: `fabric.prompts` on the
 * in-process core and on `FabricClient` alike. Versions are immutable and numbered 1, 2, 3 per
 * prompt; labels point at one version (`latest` moves by itself on publish); every label write is
 * kept in a permanent history; a staged rollout moves a label from version A to B in steps, and
 * its gates roll back on their own when B does worse than A (README "Prompt registry").
 *
 * @example
 * const { version } = await fabric.prompts.publish({ name: "router:main", text: "You route {{topic}} questions." });
 * await fabric.prompts.moveLabel({ name: "router:main", label: "production", version: version.version, reason: "first release" });
 * const got = await fabric.prompts.get({ name: "router:main", label: "production", stickyKey: userId });
 */

import type { CallOptions, JsonValue } from "./types.js";

/** One message of a chat template. */
export interface ChatMessage {
  /** 1..64 of letters, digits, `_ -`: "system", "user", "assistant", ... */
  role: string;
  /** May use `{{variables}}`. */
  content: string;
}

/** A template is a text or a list of chat messages: exactly one of the two. */
export type PromptTemplate = { text: string; messages?: undefined } | { messages: ChatMessage[]; text?: undefined };

/** One immutable version of a prompt. */
export type PromptVersion = PromptTemplate & {
  name: string;
  /** 1, 2, 3, ... per prompt, without gaps. */
  version: number;
  /** A JSON object: model, temperature, tools, response schema, ... */
  config: { [key: string]: JsonValue };
  /** The `{{variables}}` the template uses, sorted. */
  variables: string[];
  commitMessage: string;
  tags: string[];
  /** The authenticated token's name; "anonymous" without authentication. */
  author: string;
  createdAt: Date;
  /** SHA-256 (hex) of template, config and variables: identical content has the same hash. */
  contentHash: string;
  /** Store revision of the version record (it never changes). */
  revision: number;
};

export type PublishPromptInput = PromptTemplate & {
  /** 1..256 of letters, digits and `_ - . : /`. */
  name: string;
  /** Default {}. */
  config?: { [key: string]: JsonValue };
  /** Declared variables; when given they must be exactly the ones the template uses. Default: the template's. */
  variables?: string[];
  /** 0..1024 characters. */
  commitMessage?: string;
  /** 0..32 tags of 1..64 letters, digits, `_ - . : /`, no duplicates. Not part of the content. */
  tags?: string[];
  /** Validation before publishing: a JSON Schema (2020-12, 2019-09, 7 or 4) the config must satisfy. */
  configSchema?: { [key: string]: JsonValue };
};

export interface PublishResult {
  version: PromptVersion;
  /** False when identical content was already published: that version is returned, nothing is written. */
  created: boolean;
}

/** What a client needs to resolve a label under rollout (see `resolveLabelVersion`). */
export interface LabelRollout {
  rolloutId: string;
  /** B, the candidate. */
  toVersion: number;
  /** Share of sticky keys on B: 0 < percent < 100, at most two decimals. */
  percent: number;
  /** The rollout's own salt for the sticky-key hash. */
  salt: string;
}

export interface PromptLabel {
  name: string;
  label: string;
  /** The version the label points at; during a rollout, the stable one (A). */
  version: number;
  /** Present while a rollout of this label is running or paused. */
  rollout?: LabelRollout;
  /** Entries in this label's history so far. */
  moves: number;
  updatedAt: Date;
  updatedBy: string;
  reason: string;
  /** Store revision of the label record (a `moveLabel` `ifRevision`, a Watch resume point). */
  revision: number;
}

export interface GetPromptInput {
  name: string;
  /** A version number; or */
  version?: number;
  /** a label (neither: `latest`). */
  label?: string;
  /** With a label under rollout: the id (user, session, agent) whose hash picks A or B. Absent: A. */
  stickyKey?: string;
}

export interface ResolvedPrompt {
  /** The version to run: under a rollout, the one this sticky key resolves to. */
  version: PromptVersion;
  /** The label it was resolved through (absent when asked by version). */
  label?: PromptLabel;
}

export interface ListPromptVersionsInput {
  name: string;
  /** 1..1000, default 100. */
  limit?: number;
  pageToken?: string;
}

export interface PromptVersionPage {
  /** Newest first. */
  versions: PromptVersion[];
  nextPageToken?: string;
}

export interface DiffPromptVersionsInput {
  name: string;
  fromVersion: number;
  toVersion: number;
}

export type PromptChangeKind = "ADDED" | "REMOVED" | "CHANGED";

/** One difference between two versions. */
export interface PromptChange {
  /** "text", "messages[2].content", "messages[3]", "config.temperature", "variables", "tags", "commitMessage". */
  path: string;
  kind: PromptChangeKind;
  before?: JsonValue;
  after?: JsonValue;
  /** For changed strings: a line diff, each line prefixed "  ", "- " or "+ ". */
  textDiff?: string;
}

export interface PromptDiff {
  from: PromptVersion;
  to: PromptVersion;
  /** Template first, then config (by path), variables, tags, commit message. */
  changes: PromptChange[];
}

export interface MoveLabelInput {
  name: string;
  /** Any label but `latest`. */
  label: string;
  version: number;
  /** Why: 1..1024 characters, kept in the history. */
  reason: string;
  /** Compare-and-set: only if the label now points at this version (0: only if it does not exist). */
  ifVersion?: number;
  /** Compare-and-set on the label record's revision (0: only if absent). */
  ifRevision?: number;
}

export type LabelMoveKind =
  | "MOVE"
  | "PUBLISH"
  | "ROLLOUT_START"
  | "ROLLOUT_STEP"
  | "ROLLOUT_COMPLETE"
  | "ROLLOUT_PROMOTE"
  | "ROLLOUT_ROLLBACK"
  | "ROLLOUT_ABORT";

/** One entry of a label's permanent history. */
export interface LabelMove {
  name: string;
  label: string;
  /** 1, 2, 3, ... per label. */
  seq: number;
  kind: LabelMoveKind;
  /** 0: the label did not exist. */
  fromVersion: number;
  toVersion: number;
  /** Rollout entries: the candidate's share after this entry. */
  percent?: number;
  rolloutId?: string;
  /** Token name, "anonymous", or "rollout-controller" for automatic decisions. */
  actor: string;
  at: Date;
  reason: string;
  /** Automatic decisions: the figures that decided. */
  evaluation?: GateEvaluation;
  revision: number;
}

export interface MoveLabelResult {
  label: PromptLabel;
  /** Absent when the label already pointed at the version (nothing written). */
  move?: LabelMove;
}

export interface LabelHistoryInput {
  name: string;
  /** Absent: every label of the prompt. */
  label?: string;
  /** 1..1000, default 100. */
  limit?: number;
  pageToken?: string;
}

export interface LabelHistoryPage {
  /** Newest first. */
  moves: LabelMove[];
  nextPageToken?: string;
}

export interface RolloutStep {
  /** 0 < percent <= 100, at most two decimals, increasing; 100 only last, meaning "then complete". */
  percent: number;
  /** How long the step is held before its gate may advance it. */
  bakeMs: number;
}

/**
 * Per-rollout thresholds. Each step's gate compares B with A over the executions that started
 * since the step began and were recorded with this prompt (`promptKey` = name) and label.
 */
export interface RolloutGate {
  /** Executions per version before error rate and latency are compared. Default 100. */
  minSamples?: number;
  /** Ratings (or automated scores of one name) per version before they are compared. Default 20. */
  minFeedback?: number;
  /** Regression when B's error rate exceeds A's by more than this (absolute). Default 0.02. */
  maxErrorRateIncrease?: number;
  /** Regression when B's latency p95 exceeds A's by more than this fraction. Default 0.25. */
  maxLatencyP95Increase?: number;
  /** Regression when B's mean rating is below A's by more than this. Default: not checked. */
  maxRatingDrop?: number;
  /** Regression when an automated score's normalized mean is below A's by more than this. Default: not checked. */
  maxScoreDrop?: number;
}

export type RolloutState = "RUNNING" | "PAUSED" | "COMPLETED" | "ROLLED_BACK" | "ABORTED";

export type RolloutEventKind = "STARTED" | "ADVANCED" | "PAUSED" | "RESUMED" | "COMPLETED" | "PROMOTED" | "ROLLED_BACK" | "ABORTED";

export interface RolloutEvent {
  kind: RolloutEventKind;
  at: Date;
  actor: string;
  /** Step index after the event (0-based). */
  step: number;
  /** The candidate's share after the event. */
  percent: number;
  reason: string;
  evaluation?: GateEvaluation;
}

export interface Rollout {
  id: string;
  name: string;
  label: string;
  /** A, the stable version. */
  fromVersion: number;
  /** B, the candidate. */
  toVersion: number;
  steps: RolloutStep[];
  /** With defaults filled in. */
  gate: Required<Omit<RolloutGate, "maxRatingDrop" | "maxScoreDrop">> & Pick<RolloutGate, "maxRatingDrop" | "maxScoreDrop">;
  state: RolloutState;
  stepIndex: number;
  /** The candidate's current share (100 once completed, 0 once rolled back or aborted). */
  percent: number;
  stepStartedAt: Date;
  startedAt: Date;
  startedBy: string;
  finishedAt?: Date;
  salt: string;
  /** Oldest first; at most 100. */
  events: RolloutEvent[];
  revision: number;
}

export interface StartRolloutInput {
  name: string;
  label: string;
  toVersion: number;
  /** 1..20 steps, e.g. [{ percent: 5, bakeMs: 600_000 }, { percent: 25, bakeMs: 600_000 }, { percent: 100, bakeMs: 0 }]. */
  steps: RolloutStep[];
  gate?: RolloutGate;
  reason: string;
  /** Compare-and-set: start only if the label now points at this version. */
  ifVersion?: number;
}

export interface RolloutRef {
  name: string;
  label: string;
}

export interface RolloutActionInput extends RolloutRef {
  /** Required (1..1024) for promote and abort; optional for pause and resume. */
  reason?: string;
}

export interface RolloutResult {
  rollout: Rollout;
  label: PromptLabel;
}

export type GateVerdict = "PASS" | "WAIT" | "REGRESSION";
export type GateCheckResult = "PASS" | "FAIL" | "INSUFFICIENT";

export interface GateCheck {
  /** "error_rate", "latency_p95", "rating", or "score:{name}". */
  name: string;
  result: GateCheckResult;
  baseline: number;
  candidate: number;
  /** The limit B was held to. */
  limit: number;
  baselineSamples: number;
  candidateSamples: number;
}

export interface ScoreFigures {
  name: string;
  count: number;
  normalizedMean: number;
}

/** One version's figures over a gate's window. */
export interface VersionFigures {
  version: number;
  executions: number;
  errors: number;
  errorRate: number;
  latencyP95Ms: number;
  rated: number;
  ratingMean: number;
  scores: ScoreFigures[];
}

export interface GateEvaluation {
  verdict: GateVerdict;
  evaluatedAt: Date;
  /** Executions that started at or after this instant count. */
  windowStart: Date;
  baseline: VersionFigures;
  candidate: VersionFigures;
  checks: GateCheck[];
}

export interface RolloutStatus {
  /** The label's latest rollout, running, paused or finished. */
  rollout: Rollout;
  /** While running or paused: the gate evaluated now. */
  evaluation?: GateEvaluation;
}

/**
 * Call options of registry calls. `actor` is for the in-process core only: who acts, recorded as
 * author and in the label history. Over gRPC the server takes it from the caller's token and the
 * client never sends it.
 */
export interface RegistryCallOptions extends CallOptions {
  actor?: string;
}

/** The prompt registry: `fabric.prompts`. */
export interface PromptRegistry {
  /** Creates the next version (and moves `latest`), or returns the existing one with identical content. */
  publish(input: PublishPromptInput, options?: RegistryCallOptions): Promise<PublishResult>;
  /** A version by number, or through a label (resolving a rollout with `stickyKey`); null when absent. */
  get(input: GetPromptInput, options?: RegistryCallOptions): Promise<ResolvedPrompt | null>;
  listVersions(input: ListPromptVersionsInput, options?: RegistryCallOptions): Promise<PromptVersionPage>;
  listLabels(name: string, options?: RegistryCallOptions): Promise<PromptLabel[]>;
  /** NOT_FOUND when either version does not exist. */
  diff(input: DiffPromptVersionsInput, options?: RegistryCallOptions): Promise<PromptDiff>;
  /** One atomic compare-and-set write with its history entry; FAILED_PRECONDITION when `ifVersion`/`ifRevision` do not hold. */
  moveLabel(input: MoveLabelInput, options?: RegistryCallOptions): Promise<MoveLabelResult>;
  labelHistory(input: LabelHistoryInput, options?: RegistryCallOptions): Promise<LabelHistoryPage>;
  startRollout(input: StartRolloutInput, options?: RegistryCallOptions): Promise<RolloutResult>;
  pauseRollout(input: RolloutActionInput, options?: RegistryCallOptions): Promise<Rollout>;
  resumeRollout(input: RolloutActionInput, options?: RegistryCallOptions): Promise<Rollout>;
  /** Moves the label to B now and ends the rollout. */
  promoteRollout(input: RolloutActionInput, options?: RegistryCallOptions): Promise<RolloutResult>;
  /** Moves the label back to A and ends the rollout. */
  abortRollout(input: RolloutActionInput, options?: RegistryCallOptions): Promise<RolloutResult>;
  /** The label's latest rollout with a fresh gate evaluation; null when it never had one. */
  rolloutStatus(input: RolloutRef, options?: RegistryCallOptions): Promise<RolloutStatus | null>;
}
