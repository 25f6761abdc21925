/**
 * The four small interfaces the pipeline speaks to, so the same fanout, ingest and
 * reconcile code runs in Lambda (SQS, DynamoDB, Lambda, Port), in one process for
 * `tide resync --local`, and in tests.
 */
import type { PortAppConfig } from "../mapping/index.ts";
import type { Entity } from "../port/entity.ts";
import type { IngestMessage } from "./message.ts";
import type {
  BatchRecord,
  BatchResult,
  Checkpoint,
  Failure,
  ResourceProgress,
  RunRecord,
  RunStatus,
  RunSummary,
} from "./run.ts";

/** Where the fanout puts batches of raw items for the ingest workers. */
export interface Queue {
  /** Sends every message, or throws; messages are already within the size limit. */
  send(messages: IngestMessage[]): Promise<void>;
}

/** Starts the next fanout invocation of a run, asynchronously. */
export interface Invoker {
  continueFanout(event: ContinueEvent): Promise<void>;
  /** Starts a run's reconciliation step in its own invocation (`{type: "reconcile"}`). */
  reconcile?(event: ReconcileEvent): Promise<void>;
}

/** Reconciles a run whose batches are all settled; also how a crashed reconciliation resumes. */
export interface ReconcileEvent {
  type: "reconcile";
  runId: string;
}

/** Ends the integration's latest run if it stalled (the stack's schedule sends it). */
export interface WatchdogEvent {
  type: "watchdog";
}

export interface ContinueEvent {
  type: "continue";
  runId: string;
  /** How many continuations came before this one. */
  continuation: number;
  /** When an API asked us to come back later. */
  resumeAt?: string;
}

export type LockResult =
  | { acquired: true; superseded?: string }
  | { acquired: false; holder: string; since: string };

export interface SettleOutcome {
  /** False when another delivery of the same message settled it first. */
  applied: boolean;
  run: RunRecord | undefined;
}

/**
 * The run table: makes every step count exactly once and lets a run continue across
 * invocations. DynamoDB in AWS, memory locally; both pass the same contract tests.
 */
export interface RunStore {
  /** Takes the integration's run lock; a lock not touched for `staleAfterMs` is free. */
  acquireLock(
    integrationId: string,
    runId: string,
    options: { staleAfterMs: number; supersede: boolean },
  ): Promise<LockResult>;
  touchLock(integrationId: string, runId: string): Promise<void>;
  releaseLock(integrationId: string, runId: string): Promise<void>;

  createRun(run: RunRecord, config: PortAppConfig): Promise<void>;
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** The most recent run of an integration. */
  latestRun(integrationId: string): Promise<RunRecord | undefined>;
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

  getCheckpoints(runId: string, resource: number): Promise<Checkpoint[]>;
  saveCheckpoint(runId: string, checkpoint: Checkpoint): Promise<void>;

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

  /** Records a batch as sent; a second registration of the same batch changes nothing. */
  registerBatch(runId: string, batch: string, resource: number): Promise<void>;
  getBatches(runId: string, batches: string[]): Promise<Map<string, BatchRecord>>;
  /**
   * Records a batch as done or failed, exactly once (a failed batch may later become done
   * through a DLQ redrive), and counts it settled on the run.
   */
  settleBatch(runId: string, result: BatchResult): Promise<SettleOutcome>;
  /** Batches still waiting for an ingest: the exact check before reconciling. */
  countUnsettled(runId: string): Promise<number>;
  /** Every batch of the run, for reconciliation and the summary. */
  listBatches(runId: string): AsyncIterable<BatchRecord>;
}

export interface UpsertOptions {
  merge: boolean;
  createMissingRelatedEntities: boolean;
}

export type UpsertOutcome =
  | { ok: true; identifier: string }
  | {
      ok: false;
      identifier: string;
      /** Transient (5xx, 429, network after retries): the batch should be retried, not failed. */
      retryable: boolean;
      status?: number;
      code?: string;
      message: string;
      traceId?: string;
    };

export interface DeleteOutcome {
  deleted: string[];
  failed: Array<{ identifier: string; message: string; status?: number; traceId?: string }>;
}

/** Port, or a local file catalog for runs without Port credentials. */
export interface Catalog {
  /** Where entities go, for messages ("Port (https://api.port.io)", ".tide/catalog"). */
  readonly description: string;
  upsert(blueprint: string, entities: Entity[], options: UpsertOptions): Promise<UpsertOutcome[]>;
  /** Identifiers of the entities of a blueprint that this integration wrote. */
  listOwned(blueprint: string): AsyncIterable<string>;
  /**
   * The same entities with their relations, so reconciliation can keep the targets of kept
   * entities (placeholders) and know what a deletion touches. Absent: relations are unknown.
   */
  listOwnedEntities?(blueprint: string): AsyncIterable<OwnedEntity>;
  delete(
    blueprint: string,
    identifiers: string[],
    options: { deleteDependents: boolean },
  ): Promise<DeleteOutcome>;
  /** Tells Port's UI how the resync goes; absent when there is nothing to tell. */
  reportResync?(state: { status: RunStatus; start?: string; end?: string }): Promise<void>;
}

/** An entity this integration wrote, as reconciliation reads it back from the catalog. */
export interface OwnedEntity {
  identifier: string;
  relations?: Record<string, unknown>;
}

/** What this integration last wrote for an entity: its content hash and when. */
export interface WrittenHash {
  hash: string;
  writtenAt: number;
  /**
   * Where the source listed it (its kind and partition), so reconciliation can look at just
   * that partition again to confirm the entity is gone. Absent for entities written before.
   */
  origin?: ItemOrigin;
}

/** The kind and partition ("" when the kind has none) a raw item was listed under. */
export interface ItemOrigin {
  kind: string;
  partition: string;
}

/**
 * Content hashes of the entities this integration wrote, so a resync of unchanged data
 * sends Port (almost) nothing. Kept beside the run table; keyed by integration and blueprint.
 */
export interface ContentHashes {
  get(integrationId: string, blueprint: string, identifiers: string[]): Promise<Map<string, WrittenHash>>;
  put(
    integrationId: string,
    blueprint: string,
    written: Array<{ identifier: string } & WrittenHash>,
  ): Promise<void>;
  delete(integrationId: string, blueprint: string, identifiers: string[]): Promise<void>;
}

/** An entity as a catalog holds it, for `tide resync --plan` to compare with. */
export interface CatalogEntity {
  identifier: string;
  title?: string | null;
  icon?: string | null;
  team?: unknown;
  properties?: Record<string, unknown>;
  relations?: Record<string, unknown>;
}

/** A catalog that can also be read entity by entity (both Port and the file catalog can). */
export interface ReadableCatalog extends Catalog {
  getEntities(blueprint: string, identifiers: string[]): Promise<Map<string, CatalogEntity>>;
}
