import { MAX_FAILURE_SAMPLES } from "./caps.ts";
import { addToCauses, type FailureCause, mergeCauses } from "./causes.ts";
import type { BatchLedger } from "./contracts/index.ts";
import type { DeferredEntity, Failure, KindSummary, RunRecord } from "./run.ts";

export interface Tally {
  kinds: KindSummary[];
  failures: Failure[];
  failureCount: number;
  /** Every failure by cause (exact counts; `failures` is a sample). */
  causes: FailureCause[];
  batches: number;
  /** Identifiers the run wrote or found unchanged, per blueprint. */
  seen: Map<string, Set<string>>;
  /** Entities waiting for a related entity (404 `not_found`): reconciliation upserts them again. */
  deferred: DeferredEntity[];
}

/** Adds up the run's batches: the exact figures of a run, whatever was delivered twice. */
export async function tallyBatches(
  store: Pick<BatchLedger, "listBatches">,
  run: RunRecord,
  kindOf: (resource: number) => string,
) {
  const kinds = new Map<number, KindSummary>();
  for (const resource of run.resources) {
    kinds.set(resource, {
      kind: kindOf(resource),
      items: 0,
      entities: 0,
      unchanged: 0,
      filtered: 0,
      failures: 0,
    });
  }
  const tally: Tally = {
    kinds: [],
    failures: [],
    failureCount: 0,
    causes: [],
    batches: 0,
    seen: new Map(),
    deferred: [],
  };
  for await (const batch of store.listBatches(run.runId)) {
    // An unchanged partition with nothing in it is recorded only so a continuation skips it.
    if (batch.items === 0 && batch.unchanged === 0 && batch.batch.endsWith(":unchanged")) continue;
    tally.batches++;
    const kind = kinds.get(batch.resource);
    if (batch.state === "sent") {
      tally.failureCount++;
      const failure = { kind: kind?.kind ?? "?", batch: batch.batch, message: "batch was never ingested" };
      if (tally.failures.length < MAX_FAILURE_SAMPLES) tally.failures.push(failure);
      addToCauses(tally.causes, [failure]);
      continue;
    }
    if (kind) {
      kind.items += batch.items;
      kind.entities += batch.entities;
      kind.unchanged += batch.unchanged;
      kind.filtered += batch.filtered;
      kind.failures += batch.failureCount;
    }
    tally.failureCount += batch.failureCount;
    if (batch.causes) mergeCauses(tally.causes, batch.causes);
    else if (batch.failureCount > 0) addToCauses(tally.causes, batch.failures);
    for (const failure of batch.failures) {
      if (tally.failures.length < MAX_FAILURE_SAMPLES) tally.failures.push(failure);
    }
    if (batch.deferred) tally.deferred.push(...batch.deferred);
    for (const [blueprint, identifiers] of Object.entries(batch.seen)) {
      let set = tally.seen.get(blueprint);
      if (!set) {
        set = new Set();
        tally.seen.set(blueprint, set);
      }
      for (const identifier of identifiers) set.add(identifier);
    }
  }
  tally.kinds = [...kinds.values()];
  return tally;
}
