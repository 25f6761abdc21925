import type { PortAppConfig } from "../mapping/index.ts";
import { MAX_PROGRESS_ERRORS } from "../pipeline/caps.ts";
import type { LockResult, RunStore, SettleOutcome } from "../pipeline/contracts/index.ts";
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
} from "../pipeline/run.ts";
import { unchangedBatch } from "../pipeline/unchanged-batch.ts";

interface RunEntry {
  run: RunRecord;
  config: PortAppConfig;
  checkpoints: Map<string, Checkpoint>;
  progress: Map<number, ResourceProgress>;
  batches: Map<string, BatchRecord & { counted: boolean }>;
  /** Per resource: the partitions recorded unchanged. */
  unchanged: Map<number, Set<string>>;
}

/**
 * The run table in memory, for `tide resync --local` and tests. Values are copied in and
 * out, as a database would, so no caller can change stored state by mutating a result.
 */
export class MemoryRunStore implements RunStore {
  readonly #runs = new Map<string, RunEntry>();
  readonly #locks = new Map<string, { runId: string; touchedAt: number; since: string }>();
  readonly #latest = new Map<string, string>();

  async acquireLock(
    integrationId: string,
    runId: string,
    options: { staleAfterMs: number; supersede: boolean },
  ): Promise<LockResult> {
    const lock = this.#locks.get(integrationId);
    const now = Date.now();
    const free = !lock || lock.runId === runId || now - lock.touchedAt > options.staleAfterMs;
    if (!free && !options.supersede) return { acquired: false, holder: lock.runId, since: lock.since };
    this.#locks.set(integrationId, { runId, touchedAt: now, since: new Date(now).toISOString() });
    return lock && lock.runId !== runId ? { acquired: true, superseded: lock.runId } : { acquired: true };
  }

  async touchLock(integrationId: string, runId: string): Promise<void> {
    const lock = this.#locks.get(integrationId);
    if (lock?.runId === runId) lock.touchedAt = Date.now();
  }

  async releaseLock(integrationId: string, runId: string): Promise<void> {
    if (this.#locks.get(integrationId)?.runId === runId) this.#locks.delete(integrationId);
  }

  async createRun(run: RunRecord, config: PortAppConfig): Promise<void> {
    if (this.#runs.has(run.runId)) throw new Error(`run ${run.runId} already exists`);
    this.#runs.set(run.runId, {
      run: { ...copy(run), progressAt: Date.now() },
      config: copy(config),
      checkpoints: new Map(),
      progress: new Map(),
      batches: new Map(),
      unchanged: new Map(),
    });
    this.#latest.set(run.integrationId, run.runId);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    const entry = this.#runs.get(runId);
    return entry && copy(entry.run);
  }

  async latestRun(integrationId: string): Promise<RunRecord | undefined> {
    const runId = this.#latest.get(integrationId);
    return runId === undefined ? undefined : this.getRun(runId);
  }

  async latestCompletedRun(integrationId: string): Promise<RunRecord | undefined> {
    let latest: RunRecord | undefined;
    for (const { run } of this.#runs.values()) {
      if (run.integrationId !== integrationId || run.status !== "completed") continue;
      if (!latest || run.startedAt > latest.startedAt) latest = run;
    }
    return latest && copy(latest);
  }

  async recentRuns(integrationId: string, limit: number): Promise<RunRecord[]> {
    return [...this.#runs.values()]
      .map((entry) => entry.run)
      .filter((run) => run.integrationId === integrationId)
      .sort((a, b) => (a.runId < b.runId ? 1 : -1))
      .slice(0, limit)
      .map(copy);
  }

  async getConfig(runId: string): Promise<PortAppConfig | undefined> {
    const entry = this.#runs.get(runId);
    return entry && copy(entry.config);
  }

  async updateRun(
    runId: string,
    patch: Partial<Pick<RunRecord, "enumerated" | "sent" | "continuations">>,
  ): Promise<RunRecord | undefined> {
    const entry = this.#runs.get(runId);
    if (!entry) return undefined;
    Object.assign(entry.run, copy(patch), { progressAt: Date.now() });
    return copy(entry.run);
  }

  async transition(runId: string, from: RunStatus, to: RunStatus, summary?: RunSummary): Promise<boolean> {
    const entry = this.#runs.get(runId);
    if (!entry || entry.run.status !== from) return false;
    entry.run.status = to;
    entry.run.progressAt = Date.now();
    if (to === "completed" || to === "failed" || to === "aborted")
      entry.run.endedAt = new Date().toISOString();
    if (summary) entry.run.summary = copy(summary);
    return true;
  }

  async getCheckpoints(runId: string, resource: number): Promise<Checkpoint[]> {
    const entry = this.#entry(runId);
    return [...entry.checkpoints.values()].filter((c) => c.resource === resource).map(copy);
  }

  async saveCheckpoint(runId: string, checkpoint: Checkpoint): Promise<void> {
    this.#entry(runId).checkpoints.set(`${checkpoint.resource}/${checkpoint.partition}`, copy(checkpoint));
  }

  async initProgress(runId: string, resources: Array<{ resource: number; kind: string }>): Promise<void> {
    const entry = this.#entry(runId);
    for (const { resource, kind } of resources) {
      entry.progress.set(resource, {
        resource,
        kind,
        pages: 0,
        items: 0,
        batches: 0,
        entities: 0,
        failures: 0,
        enumerated: false,
        errors: [],
      });
    }
  }

  async addProgress(
    runId: string,
    resource: number,
    delta: Partial<Pick<ResourceProgress, "pages" | "items" | "batches" | "entities" | "failures">>,
    errors: Failure[] = [],
  ): Promise<void> {
    const progress = this.#entry(runId).progress.get(resource);
    if (!progress) return;
    for (const [key, value] of Object.entries(delta) as Array<[keyof typeof delta, number]>)
      progress[key] += value;
    progress.errors.push(...copy(errors).slice(0, Math.max(0, MAX_PROGRESS_ERRORS - progress.errors.length)));
  }

  async markEnumerated(runId: string, resource: number): Promise<void> {
    const progress = this.#entry(runId).progress.get(resource);
    if (progress) progress.enumerated = true;
  }

  async getProgress(runId: string): Promise<ResourceProgress[]> {
    return [...this.#entry(runId).progress.values()].sort((a, b) => a.resource - b.resource).map(copy);
  }

  async registerBatches(runId: string, batches: string[], resource: number): Promise<void> {
    for (const batch of batches) await this.registerBatch(runId, batch, resource);
  }

  async registerBatch(runId: string, batch: string, resource: number): Promise<void> {
    const entry = this.#entry(runId);
    if (entry.batches.has(batch)) return;
    entry.run.sent += 1;
    entry.run.progressAt = Date.now();
    entry.batches.set(batch, {
      batch,
      resource,
      state: "sent",
      items: 0,
      entities: 0,
      unchanged: 0,
      filtered: 0,
      failures: [],
      failureCount: 0,
      seen: {},
      counted: false,
    });
  }

  async recordUnchanged(runId: string, partitions: UnchangedPartition[]): Promise<void> {
    const entry = this.#entry(runId);
    for (const partition of partitions) {
      const batch = unchangedBatch(copy(partition));
      if (entry.batches.has(batch.batch)) continue;
      entry.run.progressAt = Date.now();
      entry.batches.set(batch.batch, { ...batch, counted: true });
      const names = entry.unchanged.get(partition.resource) ?? new Set();
      entry.unchanged.set(partition.resource, names.add(partition.partition));
    }
  }

  async unchangedPartitions(runId: string, resource: number): Promise<string[]> {
    return [...(this.#entry(runId).unchanged.get(resource) ?? [])];
  }

  async getBatches(runId: string, batches: string[]): Promise<Map<string, BatchRecord>> {
    const entry = this.#entry(runId);
    const found = new Map<string, BatchRecord>();
    for (const id of batches) {
      const batch = entry.batches.get(id);
      if (batch) found.set(id, strip(batch));
    }
    return found;
  }

  async settleBatches(runId: string, results: BatchResult[]): Promise<SettleOutcome[]> {
    const outcomes: SettleOutcome[] = [];
    for (const result of results) outcomes.push(await this.settleBatch(runId, result));
    return outcomes;
  }

  async settleBatch(runId: string, result: BatchResult): Promise<SettleOutcome> {
    const entry = this.#runs.get(runId);
    if (!entry) return { applied: false, run: undefined };
    const current = entry.batches.get(result.batch);
    const previous = current?.state ?? "sent";
    // A failed batch may still become done (a DLQ redrive after a fix), never the reverse.
    const allowed = previous === "sent" || (previous === "failed" && result.state === "done");
    if (!allowed) return { applied: false, run: copy(entry.run) };
    const counted = current?.counted ?? false;
    entry.batches.set(result.batch, { ...copy(result), counted: true });
    // Settled and counted at once, as the DynamoDB store's transaction does.
    if (!counted) entry.run.settled += 1;
    entry.run.progressAt = Date.now();
    return { applied: true, run: copy(entry.run) };
  }

  async countUnsettled(runId: string): Promise<number> {
    let count = 0;
    for (const batch of this.#entry(runId).batches.values()) if (batch.state === "sent") count++;
    return count;
  }

  async *listBatches(runId: string): AsyncIterable<BatchRecord> {
    for (const batch of [...this.#entry(runId).batches.values()]) yield strip(batch);
  }

  #entry(runId: string): RunEntry {
    const entry = this.#runs.get(runId);
    if (!entry) throw new Error(`run ${runId} not found`);
    return entry;
  }
}

function strip({ counted: _, ...batch }: BatchRecord & { counted: boolean }): BatchRecord {
  return copy(batch);
}

function copy<T>(value: T): T {
  return structuredClone(value);
}
