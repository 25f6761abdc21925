import type { PortAppConfig } from "../../mapping/index.ts";
import type {
  BatchRecord,
  BatchResult,
  Checkpoint,
  Failure,
  ResourceProgress,
  RunRecord,
  RunStatus,
  RunSummary,
  UnchangedPartition,
} from "../run.ts";

export type LockResult =
  | { acquired: true; superseded?: string }
  | { acquired: false; holder: string; since: string };

export interface SettleOutcome {
  /** False when another delivery of the same message settled it first. */
  applied: boolean;
  run: RunRecord | undefined;
}

/** One resync per integration at a time: the lock a run takes, keeps alive and gives back. */
export interface RunLock {
  /** Takes the integration's run lock; a lock not touched for `staleAfterMs` is free. */
  acquireLock(
    integrationId: string,
    runId: string,
    options: { staleAfterMs: number; supersede: boolean },
  ): Promise<LockResult>;
  touchLock(integrationId: string, runId: string): Promise<void>;
  releaseLock(integrationId: string, runId: string): Promise<void>;
}

/** A run's record, its config snapshot and its status moves, each exactly once. */
export interface RunRecords {
  createRun(run: RunRecord, config: PortAppConfig): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** The most recent run of an integration. */
  latestRun(integrationId: string): Promise<RunRecord | undefined>;
  /**
   * The integration's completed run that started last (full or incremental; failed and aborted
   * runs do not count): what an incremental run lists changes since. Never newer than the
   * truth: a store that lost track (a crash between two writes) answers an older run.
   */
  latestCompletedRun(integrationId: string): Promise<RunRecord | undefined>;
  /** The integration's most recent runs, newest first. */
  recentRuns(integrationId: string, limit: number): Promise<RunRecord[]>;
  getConfig(runId: string): Promise<PortAppConfig | undefined>;
  /** Sets fields of the run; with `ifStatus`, only when the run is in that status. Returns the run after. */
  updateRun(
    runId: string,
    patch: Partial<Pick<RunRecord, "enumerated" | "sent" | "continuations">>,
  ): Promise<RunRecord | undefined>;
  /** Moves the run from one status to another, exactly once; false when it was not in `from`. */
  transition(runId: string, from: RunStatus, to: RunStatus, summary?: RunSummary): Promise<boolean>;
}

/** Where each resource's (and partition's) enumeration resumes after a continuation. */
export interface RunCheckpoints {
  getCheckpoints(runId: string, resource: number): Promise<Checkpoint[]>;
  saveCheckpoint(runId: string, checkpoint: Checkpoint): Promise<void>;
}

/** Live counters of each resource, for progress displays (summaries count batches). */
export interface RunProgress {
  /** Adds to a resource's live counters (approximate under crashes; summaries use batches). */
  addProgress(
    runId: string,
    resource: number,
    delta: Partial<Pick<ResourceProgress, "pages" | "items" | "batches" | "entities" | "failures">>,
    errors?: Failure[],
  ): Promise<void>;
  initProgress(runId: string, resources: Array<{ resource: number; kind: string }>): Promise<void>;
  markEnumerated(runId: string, resource: number): Promise<void>;
  getProgress(runId: string): Promise<ResourceProgress[]>;
}

/** Every batch of a run, sent and settled exactly once: what says when a run may reconcile. */
export interface BatchLedger {
  /** Records a batch as sent; a second registration of the same batch changes nothing. */
  registerBatch(runId: string, batch: string, resource: number): Promise<void>;
  /**
   * Records the batches of one message as sent, in as few writes as the store allows; as
   * {@link registerBatch} for each, so batches registered before are counted once.
   */
  registerBatches(runId: string, batches: string[], resource: number): Promise<void>;
  getBatches(runId: string, batches: string[]): Promise<Map<string, BatchRecord>>;
  /**
   * Records a batch as done or failed, exactly once (a failed batch may later become done
   * through a DLQ redrive), and counts it settled on the run.
   */
  settleBatch(runId: string, result: BatchResult): Promise<SettleOutcome>;
  /**
   * As {@link settleBatch} for each result, in order, in as few writes as the store allows
   * (one delivery's batches); an outcome per result.
   */
  settleBatches(runId: string, results: BatchResult[]): Promise<SettleOutcome[]>;
  /**
   * Records partitions the source says are unchanged since their memos, settled at once, in as
   * few writes as the store allows: each counts in the tally as a batch of its own, not as sent
   * or settled. A partition recorded again (after a crash, grouped with others differently) is
   * listed once; once recorded it is done for a continuation ({@link unchangedPartitions}).
   */
  recordUnchanged(runId: string, partitions: UnchangedPartition[]): Promise<void>;
  /** The partitions of a resource recorded unchanged so far: a continuation does not ask again. */
  unchangedPartitions(runId: string, resource: number): Promise<string[]>;
  /** Batches still waiting for an ingest: the exact check before reconciling. */
  countUnsettled(runId: string): Promise<number>;
  /**
   * Every batch of the run, each once, for reconciliation and the summary; an unchanged
   * partition as its batch `<resource>:<partition key>:unchanged` (not for {@link getBatches}).
   */
  listBatches(runId: string): AsyncIterable<BatchRecord>;
}

/**
 * The run table: makes every step count exactly once and lets a run continue across
 * invocations. DynamoDB in AWS, memory locally; both pass the same contract tests. Each step
 * asks for the parts it needs (e.g. the tally only reads the {@link BatchLedger}).
 */
export interface RunStore extends RunLock, RunRecords, RunCheckpoints, RunProgress, BatchLedger {}
