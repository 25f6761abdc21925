import type { PortAppConfig } from "../mapping/index.ts";
import type { UpsertOptions, UpsertOutcome } from "./contracts/index.ts";
import type { FinishDeps } from "./finish.ts";
import { relationTargets } from "./owned.ts";
import type { DeferredEntity, Failure, RunRecord } from "./run.ts";
import { contentHash } from "./unchanged.ts";

/**
 * Whether an upsert that failed waits for a related entity rather than failing: Port answers
 * 404 `not_found` when a relation's target is missing and `createMissingRelatedEntities` is
 * off. The target may still arrive later in the run (Ocean upserts such entities again at the end).
 */
export function isDeferrable(outcome: UpsertOutcome, options: UpsertOptions): boolean {
  return (
    !outcome.ok &&
    !options.createMissingRelatedEntities &&
    outcome.status === 404 &&
    outcome.code === "not_found"
  );
}

export interface RetryOutcome {
  /** Written this time, per blueprint. */
  written: Map<string, string[]>;
  failures: Failure[];
}

/**
 * Upserts the run's deferred entities again, once everything else of the run is written:
 * blueprints whose entities others point at first, then round after round while a round
 * still writes something (a target written in one round lets its dependents through in the
 * next). What still fails counts as a failure of the run, with Port's last word.
 */
export async function retryDeferred(
  deps: FinishDeps,
  run: RunRecord,
  config: PortAppConfig,
  deferred: readonly DeferredEntity[],
): Promise<RetryOutcome> {
  const options: UpsertOptions = {
    merge: config.enableMergeEntity,
    createMissingRelatedEntities: config.createMissingRelatedEntities,
  };
  // The last deferral of an entity wins (a later batch may carry a newer version).
  let pending = [...new Map(deferred.map((d) => [`${d.blueprint}\u0000${idOf(d)}`, d])).values()];
  const written = new Map<string, string[]>();
  const failures: Failure[] = [];
  const last = new Map<DeferredEntity, UpsertOutcome>();
  for (let progress = true; pending.length > 0 && progress; ) {
    progress = false;
    const next: DeferredEntity[] = [];
    for (const blueprint of dependencyOrder(pending)) {
      const group = pending.filter((d) => d.blueprint === blueprint);
      const outcomes = await deps.catalog.upsert(
        blueprint,
        group.map((d) => d.entity),
        options,
      );
      const hashes: Array<{ identifier: string; hash: string; writtenAt: number }> = [];
      for (const [i, d] of group.entries()) {
        const outcome = outcomes[i] ?? {
          ok: false,
          identifier: idOf(d),
          retryable: true,
          message: "no answer",
        };
        if (outcome.ok) {
          progress = true;
          written.set(blueprint, [...(written.get(blueprint) ?? []), outcome.identifier]);
          hashes.push({
            identifier: outcome.identifier,
            hash: contentHash(d.entity, options),
            writtenAt: Date.now(),
            ...(d.origin ? { origin: d.origin } : {}),
          });
        } else if (isDeferrable(outcome, options)) {
          last.set(d, outcome);
          next.push(d);
        } else failures.push(failureOf(d, outcome));
      }
      if (deps.hashes && hashes.length > 0) await deps.hashes.put(run.integrationId, blueprint, hashes);
    }
    pending = next;
  }
  for (const d of pending) failures.push(failureOf(d, last.get(d)));
  return { written, failures };
}

/**
 * Blueprints in the order their entities should go: one whose entities the others' relations
 * name comes before them. A cycle is broken where it is found (the rounds settle the rest).
 */
export function dependencyOrder(pending: readonly DeferredEntity[]): string[] {
  const owner = new Map<string, string>();
  for (const d of pending) owner.set(idOf(d), d.blueprint);
  const needs = new Map<string, Set<string>>();
  for (const d of pending) {
    const set = needs.get(d.blueprint) ?? new Set<string>();
    needs.set(d.blueprint, set);
    for (const target of relationTargets(d.entity.relations)) {
      const bp = owner.get(target);
      if (bp && bp !== d.blueprint) set.add(bp);
    }
  }
  const order: string[] = [];
  const placed = new Set<string>();
  while (order.length < needs.size) {
    const ready = [...needs].filter(([bp, deps]) => !placed.has(bp) && [...deps].every((x) => placed.has(x)));
    const pick =
      ready.length > 0
        ? ready.map(([bp]) => bp)
        : [[...needs.keys()].find((bp) => !placed.has(bp)) as string];
    for (const bp of pick.sort()) {
      placed.add(bp);
      order.push(bp);
    }
  }
  return order;
}

function failureOf(d: DeferredEntity, outcome: UpsertOutcome | undefined): Failure {
  const failed = outcome && !outcome.ok ? outcome : undefined;
  return {
    kind: d.kind,
    item: d.item,
    status: failed?.status ?? 404,
    code: failed?.code ?? "not_found",
    traceId: failed?.traceId ?? d.traceId,
    message: `${d.blueprint}/${idOf(d)}: ${failed?.message ?? d.message} (still failing after the rest of the run was written)`,
  };
}

const idOf = (d: DeferredEntity) =>
  typeof d.entity.identifier === "string" ? d.entity.identifier : JSON.stringify(d.entity.identifier);
