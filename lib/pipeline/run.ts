import type { Entity } from "../port/entity.ts";
import type { PageValidator } from "../source/types.ts";
import type { FailureCause } from "./causes.ts";
import type { ItemOrigin } from "./contracts/index.ts";

/** How a run was started. */
export type Trigger = "schedule" | "manual" | "cli" | "local" | "port";

/**
 * `running` while enumerating and ingesting; `reconciling` once exactly one step has claimed
 * the deletion of stale entities; then `completed` or `failed`. `aborted` when a newer run
 * superseded it: an aborted run never deletes.
 */
export type RunStatus = "running" | "reconciling" | "completed" | "failed" | "aborted";

export interface RunRecord {
  runId: string;
  integrationId: string;
  trigger: Trigger;
  status: RunStatus;
  startedAt: string;
  endedAt?: string;
  /** Indexes of the config's resources this run covers (all, or those of `--kinds`). */
  resources: number[];
  /** Whether every resource covered by the run covers all of its kind (no `--kinds` filter). */
  full: boolean;
  /** Set once every resource has finished enumerating; `sent` is exact from then on. */
  enumerated: boolean;
  sent: number;
  settled: number;
  continuations: number;
  /**
   * When the run last moved (a batch sent or settled, a status change, a fanout step, a
   * reconciliation heartbeat), in epoch milliseconds: the watchdog ends a run that stalled.
   */
  progressAt?: number;
  /** Send every entity, changed or not (a manual edit in Port is then repaired). */
  fullRewrite?: boolean;
  /** Set on an incremental run (see `incremental.ts`): it lists only what changed, and deletes nothing. */
  incremental?: IncrementalScope;
  /** Why a run asked to be incremental is a full resync instead (e.g. no completed run yet). */
  fullBecause?: string;
  summary?: RunSummary;
}

/** What an incremental run covers: changes since `since`, in the kinds that can list them. */
export interface IncrementalScope {
  /** The cutoff (ISO time): the start of run `after`, less a margin for clock skew. */
  since: string;
  /** The completed run whose start the cutoff comes from. */
  after: string;
  /** Kinds of the config that cannot list their changes: left to full resyncs. */
  notCovered: string[];
}

export interface Checkpoint {
  resource: number;
  /** The partition key ("" for kinds without partitions). */
  partition: string;
  /** Where to resume after the last page delivered; null once the partition is finished. */
  cursor: unknown;
  /** Batches this partition has sent so far: numbers the next batch deterministically. */
  seq: number;
  done: boolean;
  /**
   * The validators of the pages delivered so far, for kinds that give them (conditional
   * requests): once the run ends well, they become the partition's memo.
   */
  validators?: PageValidator[];
}

/** A failure kept for the summary: what failed, where, and why. */
export interface Failure {
  kind: string;
  /** The raw item's key (id, name) when one item failed. */
  item?: string;
  batch?: string;
  field?: string;
  status?: number;
  code?: string;
  traceId?: string;
  message: string;
}

/** Live counters of one resource, for progress; the final summary is computed from batches. */
export interface ResourceProgress {
  resource: number;
  kind: string;
  pages: number;
  items: number;
  batches: number;
  entities: number;
  failures: number;
  enumerated: boolean;
  errors: Failure[];
}

export type BatchState = "sent" | "done" | "failed";

export interface BatchRecord {
  batch: string;
  resource: number;
  state: BatchState;
  items: number;
  entities: number;
  /** Entities unchanged since this integration last wrote them, so not sent again. */
  unchanged: number;
  filtered: number;
  failures: Failure[];
  failureCount: number;
  /** Every failure of the batch by cause (the `failures` above are a sample). */
  causes?: FailureCause[];
  /** Identifiers the batch wrote (or found unchanged), per blueprint: what reconciliation keeps. */
  seen: Record<string, string[]>;
  /**
   * Entities Port refused with 404 `not_found` (a related entity missing while
   * `createMissingRelatedEntities` is off): upserted again by reconciliation, once the rest
   * of the run is written, before they count as failures.
   */
  deferred?: DeferredEntity[];
}

/** An entity whose upsert waits for its relations' targets: see `BatchRecord.deferred`. */
export interface DeferredEntity {
  blueprint: string;
  entity: Entity;
  kind: string;
  /** The raw item's key, for the failure if it never goes through. */
  item?: string;
  message: string;
  traceId?: string;
  origin?: ItemOrigin;
}

/**
 * A partition the source says is unchanged since its memo: read, sent and ingested by no one,
 * yet counted in the run as a settled batch of its own (`<resource>:<partition key>:unchanged`)
 * with the memo's figures and identifiers.
 */
export interface UnchangedPartition {
  resource: number;
  partition: string;
  items: number;
  unchanged: number;
  filtered: number;
  seen: Record<string, string[]>;
}

/** What an ingest records when it is finished with a batch. */
export type BatchResult = Omit<BatchRecord, "state"> & { state: "done" | "failed" };

export interface KindSummary {
  kind: string;
  items: number;
  entities: number;
  unchanged: number;
  filtered: number;
  failures: number;
}

export interface RunSummary {
  status: RunStatus;
  durationMs: number;
  kinds: KindSummary[];
  failures: Failure[];
  failureCount: number;
  /** Every failure of the run grouped by cause, most frequent first, each with a few examples. */
  causes?: FailureCause[];
  deleted: Record<string, number>;
  /**
   * `performed` when every blueprint the run covers was reconciled (none held back); `reason`
   * says why something was not deleted (a failure, a held blueprint, an unconfirmed absence).
   */
  deletion: {
    performed: boolean;
    reason?: string;
    toDelete: number;
    found: number;
    /** Blueprints whose deletions the threshold held back, each with why. */
    held?: Array<{ blueprint: string; reason: string }>;
    /** Candidates kept because an entity kept by this run relates to them (placeholders). */
    protected?: number;
    /** Candidates kept because a second look at the source found them, or could not tell. */
    unconfirmed?: number;
    /** Entities the run saw but Port lacked, written again in this run. */
    repaired?: number;
    /** Entities upserted again after a 404 `not_found` and written this time. */
    retried?: number;
  };
  continuations: number;
  batches: number;
  /** Set when the run was incremental: what it covered, since when. */
  incremental?: IncrementalScope;
  /** Why a run asked to be incremental was a full resync. */
  fullBecause?: string;
}
