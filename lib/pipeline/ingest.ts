import { ConfigError, type MapResult } from "../mapping/index.ts";
import { clipKey, itemKey } from "../mapping/item-key.ts";
import type { Entity } from "../port/entity.ts";
import { MAX_BATCH_FAILURES, MAX_PROGRESS_ERRORS } from "./caps.ts";
import { addToCauses } from "./causes.ts";
import type {
  ContentHashes,
  SettleOutcome,
  UpsertOptions,
  UpsertOutcome,
  WrittenHash,
} from "./contracts/index.ts";
import { isDeferrable } from "./deferred.ts";
import { type FinishDeps, maybeFinish } from "./finish.ts";
import { mapMessages } from "./map-messages.ts";
import type { RunMappers } from "./mappers.ts";
import { batchesOf, type IngestBatch, parseMessage } from "./message.ts";
import type { BatchResult, Failure, RunRecord } from "./run.ts";
import { contentHash, DEFAULT_REWRITE_AFTER_MS } from "./unchanged.ts";
import { failUnreadable } from "./unreadable.ts";

export interface IngestDeps extends FinishDeps {
  mappers: RunMappers;
  /** SQS's `maxReceiveCount`: on the last receive a still-failing batch is recorded as failed. */
  maxReceiveCount: number;
  /** With content hashes, entities unchanged since this integration last wrote them are not sent. */
  hashes?: ContentHashes;
  /** Rewrite an unchanged entity anyway once its last write is this old. */
  rewriteAfterMs?: number;
}

/** A message as the queue delivered it. */
export interface ReceivedMessage {
  id: string;
  body: string;
  /** How many times it has been delivered, this time included (SQS `ApproximateReceiveCount`). */
  receiveCount: number;
}

/** Counts are of batches (a message's parts), except `retry`. */
export interface IngestReport {
  /** Messages to deliver again (SQS `batchItemFailures`). */
  retry: string[];
  ingested: number;
  /** Batches another delivery had already settled: nothing was done twice. */
  duplicates: number;
  /**
   * Batches of a run that is no longer the integration's latest (a DLQ redrive after a later
   * run): not written, since that run may have deleted what they hold since.
   */
  stale: number;
  /** Raw items, entities written and failures of the messages this call settled. */
  items: number;
  entities: number;
  failures: number;
  /** Times a mapping gave up a jq fast-path shortcut (each logged as a warning); entities are unchanged. */
  fastPathFallbacks: number;
}

interface Work {
  received: ReceivedMessage;
  message: IngestBatch;
  result: BatchResult;
  /** Transient upsert failures: retry the message unless this is its last receive. */
  transient: Failure[];
}

/**
 * Ingests one delivery of messages: maps their raw items with the run's config, bulk-upserts
 * the entities of all of them together by blueprint (fuller requests than one message
 * alone), records each batch exactly once, and finishes the run if this was its last batch.
 *
 * @example
 * const report = await ingest(deps, records.map((r) => ({ id: r.messageId, body: r.body, receiveCount: 1 })));
 * return { batchItemFailures: report.retry.map((itemIdentifier) => ({ itemIdentifier })) };
 */
export async function ingest(deps: IngestDeps, received: ReceivedMessage[]): Promise<IngestReport> {
  const report: IngestReport = {
    retry: [],
    ingested: 0,
    duplicates: 0,
    stale: 0,
    items: 0,
    entities: 0,
    failures: 0,
    fastPathFallbacks: 0,
  };
  const byRun = new Map<string, Delivered[]>();
  const unreadable: Array<{ received: ReceivedMessage; error: Error }> = [];
  for (const r of received) {
    try {
      const message = parseMessage(r.body);
      const list = byRun.get(message.runId) ?? [];
      // Each part is a batch of its own: settled once, a duplicate skipped, whatever its neighbours do.
      for (const batch of batchesOf(message)) list.push({ received: r, message: batch });
      byRun.set(message.runId, list);
    } catch (error) {
      deps.log.error("unreadable message: it will go to the dead-letter queue", {
        messageId: r.id,
        error: (error as Error).message,
      });
      report.retry.push(r.id);
      if (r.receiveCount >= deps.maxReceiveCount) unreadable.push({ received: r, error: error as Error });
    }
  }
  await Promise.all(unreadable.map(({ received: r, error }) => failUnreadable(deps, r, error)));
  await Promise.all(
    [...byRun].map(async ([runId, messages]) => {
      try {
        await ingestRun(deps, runId, messages, report);
      } catch (error) {
        deps.log.error("ingest failed; the messages will be delivered again", {
          runId,
          error: (error as Error).message,
        });
        for (const { received: r } of messages) report.retry.push(r.id);
      }
    }),
  );
  report.retry = [...new Set(report.retry)];
  return report;
}

/** A batch (a message's part) and the message that brought it. */
type Delivered = { received: ReceivedMessage; message: IngestBatch };

async function ingestRun(
  deps: IngestDeps,
  runId: string,
  messages: Delivered[],
  report: IngestReport,
): Promise<void> {
  const settled = await deps.store.getBatches(
    runId,
    messages.map((m) => m.message.batch),
  );
  const fresh = messages.filter(({ message }) => settled.get(message.batch)?.state !== "done");
  report.duplicates += messages.length - fresh.length;
  // A redelivery after a crash between settling its last batch and handing the run on: check again.
  if (fresh.length === 0) {
    await maybeFinish(deps, await deps.store.getRun(runId));
    return;
  }

  const run = await deps.mappers.run(runId);
  const latest = await deps.store.latestRun(run.integrationId);
  if (latest && latest.runId !== runId) {
    // A later run may have deleted what these hold: writing them would bring it back.
    report.stale += fresh.length;
    deps.log.warn("batches of an earlier run not written: a later run has started since", {
      runId,
      latest: latest.runId,
      batches: fresh.map((f) => f.message.batch),
    });
    return;
  }

  const config = await deps.mappers.config(runId);
  const work: Work[] = [];
  // Entities of every message, by blueprint, each remembering where it came from.
  const byBlueprint = new Map<string, Entry[]>();
  let mappedAll: MapResult[];
  try {
    mappedAll = await mapMessages(
      deps.mappers,
      runId,
      config,
      fresh.map((f) => f.message),
    );
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // A mapping that does not compile will not compile on the next delivery either: the
    // batches fail now, so the run ends (failed, deleting nothing) instead of waiting.
    await failBatches(deps, runId, fresh, `the mapping does not compile: ${error.message}`, report);
    return;
  }
  for (const [index, { received, message }] of fresh.entries()) {
    const mapped = mappedAll[index] as MapResult;
    for (const reason of mapped.fastPathFallbacks ?? []) {
      deps.log.warn("jq fast path fell back: same entities, mapped slower", {
        runId,
        kind: message.kind,
        resource: message.resource,
        reason,
      });
      report.fastPathFallbacks++;
    }
    const failures: Failure[] = mapped.failures.map((f) => ({
      kind: message.kind,
      batch: message.batch,
      item: f.key === undefined ? `#${f.itemIndex}` : clipKey(f.key),
      field: f.field,
      message: f.message,
    }));
    const item: Work = {
      received,
      message,
      transient: [],
      result: {
        batch: message.batch,
        resource: message.resource,
        state: "done",
        items: message.items.length,
        entities: 0,
        unchanged: 0,
        // An identifier or blueprint that maps to nothing: not an entity, as Ocean decides too.
        filtered: mapped.filtered + mapped.skipped.length,
        failures,
        failureCount: failures.length,
        seen: {},
      },
    };
    work.push(item);
    for (const { entity, itemIndex } of mapped.entities) {
      const list = byBlueprint.get(entity.blueprint) ?? [];
      list.push({ entity, work: item, itemIndex });
      byBlueprint.set(entity.blueprint, list);
    }
  }

  const options: UpsertOptions = {
    merge: config.enableMergeEntity,
    createMissingRelatedEntities: config.createMissingRelatedEntities,
  };
  await Promise.all(
    [...byBlueprint].map(async ([blueprint, all]) => {
      const { send, hashes } = await skipUnchanged(deps, run, blueprint, all, options);
      let outcomes: UpsertOutcome[];
      try {
        outcomes = await deps.catalog.upsert(
          blueprint,
          send.map((e) => e.entity),
          options,
        );
      } catch (error) {
        const message = (error as Error).message;
        outcomes = send.map(({ entity }) => ({
          ok: false,
          identifier: idOf(entity),
          retryable: true,
          message,
        }));
      }
      const written: Array<{ identifier: string } & WrittenHash> = [];
      for (const [i, outcome] of outcomes.entries()) {
        const entry = send[i];
        if (!entry) continue;
        const raw = entry.work.message.items[entry.itemIndex];
        if (isDeferrable(outcome, options)) defer(entry, blueprint, outcome, raw);
        else record(entry.work, blueprint, outcome, raw);
        const hash = hashes.get(entry);
        if (outcome.ok && hash) {
          const origin = { kind: entry.work.message.kind, partition: entry.work.message.partition ?? "" };
          written.push({ identifier: outcome.identifier, hash, writtenAt: Date.now(), origin });
        }
      }
      if (deps.hashes && written.length > 0) await deps.hashes.put(run.integrationId, blueprint, written);
    }),
  );

  // Live progress per resource, one write a delivery rather than one a batch.
  const progress = new Map<number, { entities: number; failures: number; errors: Failure[] }>();
  const settledRuns: Array<RunRecord | undefined> = [];
  const settling: Work[] = [];
  for (const item of work) {
    const last = item.received.receiveCount >= deps.maxReceiveCount;
    if (item.transient.length > 0 && !last) {
      report.retry.push(item.received.id);
      continue;
    }
    if (item.transient.length > 0) {
      item.result.state = "failed";
      item.result.failures.push(...item.transient);
      item.result.failureCount += item.transient.length;
      report.retry.push(item.received.id); // on to the dead-letter queue, with its raw items
      deps.log.error("batch failed for good: it goes to the dead-letter queue", {
        runId,
        batch: item.message.batch,
        failures: item.transient.length,
      });
    }
    // Every failure is counted, by cause; a sample of them is kept, so a batch row stays small.
    if (item.result.failures.length > 0) item.result.causes = addToCauses([], item.result.failures);
    item.result.failures = item.result.failures.slice(0, MAX_BATCH_FAILURES);
    settling.push(item);
  }
  // The delivery's batches settled together: each exactly once, in as few writes as the store allows.
  const outcomes = await deps.store.settleBatches(
    runId,
    settling.map((item) => item.result),
  );
  for (const [index, item] of settling.entries()) {
    const outcome = outcomes[index] as SettleOutcome;
    settledRuns.push(outcome.run);
    if (!outcome.applied) {
      report.duplicates++;
      continue;
    }
    report.ingested++;
    report.items += item.result.items;
    report.entities += item.result.entities;
    report.failures += item.result.failureCount;
    const p = progress.get(item.message.resource) ?? { entities: 0, failures: 0, errors: [] };
    // Progress counts every entity dealt with, written or unchanged, so a second run's
    // progress (mostly unchanged) still advances to its total.
    p.entities += item.result.entities + item.result.unchanged;
    p.failures += item.result.failureCount;
    if (p.errors.length < MAX_PROGRESS_ERRORS) p.errors.push(...item.result.failures);
    progress.set(item.message.resource, p);
  }
  for (const [resource, { entities, failures, errors }] of progress) {
    await deps.store.addProgress(
      runId,
      resource,
      { entities, failures },
      errors.slice(0, MAX_PROGRESS_ERRORS),
    );
  }
  // After the progress, so a finished run's progress is complete too; the latest look at
  // the run (the most batches settled) is the one that may find it finished.
  const newest = settledRuns.reduce<RunRecord | undefined>(
    (a, b) => (b && (!a || b.settled > a.settled) ? b : a),
    undefined,
  );
  if (newest) await maybeFinish(deps, newest);
}

type Entry = { entity: Entity; work: Work; itemIndex: number };

/** Settles messages failed, each of their items counted as a failure, and finishes the run if they were its last. */
async function failBatches(
  deps: IngestDeps,
  runId: string,
  messages: Delivered[],
  reason: string,
  report: IngestReport,
): Promise<void> {
  deps.log.error("batches failed for good", { runId, reason, batches: messages.length });
  for (const { message } of messages) {
    const outcome = await deps.store.settleBatch(runId, {
      batch: message.batch,
      resource: message.resource,
      state: "failed",
      items: message.items.length,
      entities: 0,
      unchanged: 0,
      filtered: 0,
      failures: [{ kind: message.kind, batch: message.batch, message: reason }],
      failureCount: Math.max(1, message.items.length),
      seen: {},
    });
    if (!outcome.applied) {
      report.duplicates++;
      continue;
    }
    report.ingested++;
    report.failures += Math.max(1, message.items.length);
    await maybeFinish(deps, outcome.run);
  }
}

/**
 * Sets aside the entities whose content has not changed since this integration last wrote
 * them (counted as unchanged and seen, so reconciliation keeps them); returns the rest to
 * send, with the hash to remember once each is written.
 */
async function skipUnchanged(
  deps: IngestDeps,
  run: RunRecord,
  blueprint: string,
  entries: Entry[],
  options: UpsertOptions,
): Promise<{ send: Entry[]; hashes: Map<Entry, string> }> {
  const hashes = new Map<Entry, string>();
  if (!deps.hashes) return { send: entries, hashes };
  for (const entry of entries) {
    if (typeof entry.entity.identifier === "string") hashes.set(entry, contentHash(entry.entity, options));
  }
  if (run.fullRewrite) return { send: entries, hashes };
  const ids = [...hashes.keys()].map((e) => e.entity.identifier as string);
  const stored = await deps.hashes.get(run.integrationId, blueprint, ids);
  const freshAfter = Date.now() - (deps.rewriteAfterMs ?? DEFAULT_REWRITE_AFTER_MS);
  const send: Entry[] = [];
  for (const entry of entries) {
    const previous = stored.get(entry.entity.identifier as string);
    if (previous && previous.hash === hashes.get(entry) && previous.writtenAt > freshAfter) {
      const { result } = entry.work;
      result.unchanged++;
      const seen = result.seen[blueprint] ?? [];
      seen.push(entry.entity.identifier as string);
      result.seen[blueprint] = seen;
    } else {
      send.push(entry);
    }
  }
  return { send, hashes };
}

/** A related entity is missing (404 `not_found`): reconciliation upserts it again, once the rest is written. */
function defer(entry: Entry, blueprint: string, outcome: UpsertOutcome, raw: unknown): void {
  const { message, result } = entry.work;
  const deferred = result.deferred ?? [];
  deferred.push({
    blueprint,
    entity: entry.entity,
    kind: message.kind,
    item: itemKey(raw),
    message: outcome.ok ? "" : outcome.message,
    traceId: outcome.ok ? undefined : outcome.traceId,
    origin: { kind: message.kind, partition: message.partition ?? "" },
  });
  result.deferred = deferred;
}

function record(work: Work, blueprint: string, outcome: UpsertOutcome, raw: unknown): void {
  const { result } = work;
  if (outcome.ok) {
    result.entities++;
    const seen = result.seen[blueprint] ?? [];
    seen.push(outcome.identifier);
    result.seen[blueprint] = seen;
    return;
  }
  const failure: Failure = {
    kind: work.message.kind,
    batch: work.message.batch,
    item: itemKey(raw),
    status: outcome.status,
    code: outcome.code,
    traceId: outcome.traceId,
    message: `${blueprint}/${outcome.identifier}: ${outcome.message}`,
  };
  if (outcome.retryable) {
    work.transient.push(failure);
    return;
  }
  result.failures.push(failure);
  result.failureCount++;
}

function idOf(entity: Entity): string {
  return typeof entity.identifier === "string" ? entity.identifier : JSON.stringify(entity.identifier);
}
