import type { PortAppConfig } from "../mapping/index.ts";
import { deletableBlueprints, writtenBlueprints } from "./blueprints.ts";
import { MAX_FAILURE_SAMPLES, MAX_REASON_FAILURES } from "./caps.ts";
import { addToCauses, sortCauses } from "./causes.ts";
import { retryDeferred } from "./deferred.ts";
import type { FinishDeps } from "./finish.ts";
import { INCREMENTAL_DELETES_NOTHING } from "./incremental.ts";
import { rememberPartitions } from "./memo.ts";
import { type Owned, protectedTargets, readOwned, relationTargets, touchedBy } from "./owned.ts";
import { repair } from "./repair.ts";
import type { RunRecord, RunSummary } from "./run.ts";
import { type LookResult, type Wanted, wantedKey } from "./second-look.ts";
import { type Tally, tallyBatches } from "./tally.ts";
import { judgeShare } from "./threshold.ts";

export { deletableBlueprints, literalBlueprint } from "./blueprints.ts";

type Deletion = RunSummary["deletion"];

/**
 * Ends a run whose batches are all settled. In order: upserts again the entities that waited
 * for a related entity (404 `not_found`); reads what Port holds for this integration; writes
 * again what the run saw but Port lacks (self-repair); takes as candidates what the run did
 * not see, minus what kept entities relate to (placeholders); asks the source for a second
 * look and keeps every candidate it does not confirm gone; holds back a blueprint whose
 * share to delete exceeds `entityDeletionThreshold`; deletes the rest and forgets the
 * content hashes of everything the deletion touched. Nothing is deleted after any failure.
 * Safe to run again after a crash: what is gone already counts as gone.
 * With `failure`, only summarises: the run is failed and nothing is deleted.
 */
export async function reconcile(
  deps: FinishDeps,
  run: RunRecord,
  options: { failure?: string } = {},
): Promise<RunSummary> {
  const config = await deps.store.getConfig(run.runId);
  const kindOf = (resource: number) => config?.resources[resource]?.kind ?? `#${resource}`;
  const tally = await tallyBatches(deps.store, run, kindOf);
  const summary = (status: RunSummary["status"], deletion: Deletion, deleted = {}): RunSummary => ({
    status,
    durationMs: Date.now() - Date.parse(run.startedAt),
    kinds: tally.kinds,
    failures: tally.failures,
    failureCount: tally.failureCount,
    ...(tally.causes.length > 0 ? { causes: sortCauses(tally.causes) } : {}),
    deleted,
    deletion,
    continuations: run.continuations,
    batches: tally.batches,
    ...(run.incremental ? { incremental: run.incremental } : {}),
    ...(run.fullBecause ? { fullBecause: run.fullBecause } : {}),
  });
  const nothing = (reason: string, extra: Partial<Deletion> = {}): Deletion => ({
    performed: false,
    reason,
    toDelete: 0,
    found: 0,
    ...extra,
  });
  if (options.failure) return summary("failed", nothing(`reconciliation failed: ${options.failure}`));
  if (!config) return summary("failed", nothing("the run's config snapshot is missing"));

  const retried = await retryWaiting(deps, run, config, tally);
  if (tally.failureCount > 0) {
    return summary(
      "failed",
      nothing(`the run had ${tally.failureCount} failure(s): nothing deleted`, retried ? { retried } : {}),
    );
  }
  // Nor partition memos: an incremental run read no partition in full.
  if (run.incremental) return summary("completed", nothing(INCREMENTAL_DELETES_NOTHING, { retried }));
  const blueprints = deletableBlueprints(config, run, tally);
  if (blueprints.length === 0) {
    await remember(deps, run, config);
    return summary("completed", nothing("no blueprint is fully covered by this run", { retried }));
  }

  const owned = await readOwned(deps.catalog, [
    ...new Set([...blueprints, ...writtenBlueprints(config, tally)]),
  ]);
  const found = blueprints.reduce((sum, bp) => sum + (owned.ids.get(bp)?.size ?? 0), 0);
  const candidates: Wanted[] = [];
  const missing: Wanted[] = [];
  for (const blueprint of blueprints) {
    const seen = tally.seen.get(blueprint) ?? new Set<string>();
    const ids = owned.ids.get(blueprint) ?? new Set<string>();
    for (const identifier of ids) if (!seen.has(identifier)) candidates.push({ blueprint, identifier });
    for (const identifier of seen) if (!ids.has(identifier)) missing.push({ blueprint, identifier });
  }
  await addOrigins(deps, run, [...candidates, ...missing]);

  const notes: string[] = [];
  let look: LookResult | undefined;
  if (candidates.length + missing.length > 0) {
    if (deps.look) look = await deps.look.look(run, config, [...candidates, ...missing]);
    else notes.push("no second look at the source is available here: nothing deleted");
    for (const problem of look?.problems ?? [])
      deps.log.warn("second look at the source", { runId: run.runId, problem });
  }

  const repaired = await repair(deps, run, config, missing, look);
  if (repaired.failures.length > 0) {
    addFailures(tally, repaired.failures);
    return summary(
      "failed",
      nothing(`the run had ${tally.failureCount} failure(s): nothing deleted`, { retried }),
    );
  }
  if (repaired.later > 0)
    notes.push(`${repaired.later} entit(ies) missing in Port will be written by the next run`);

  // Candidates the source confirms gone; the others stay.
  const isConfirmed = (w: Wanted) => {
    const key = wantedKey(w.blueprint, w.identifier);
    return look !== undefined && !look.found.has(key) && !look.undecided.has(key);
  };
  let doomed = candidates.filter(isConfirmed);
  const unconfirmed = candidates.length - doomed.length;
  if (look && unconfirmed > 0)
    notes.push(`${unconfirmed} candidate(s) kept: the source still lists them or could not tell`);

  let protectedCount = 0;
  if (config.createMissingRelatedEntities) {
    const kept = keepPlaceholders(owned, doomed, repaired.entities);
    if (kept === undefined) {
      notes.push("the catalog cannot tell which entities others relate to (placeholders): nothing deleted");
      doomed = [];
    } else {
      protectedCount = doomed.length - kept.length;
      doomed = kept;
    }
  }

  const held: Array<{ blueprint: string; reason: string }> = [];
  const toDelete = new Map<string, string[]>();
  for (const blueprint of blueprints) {
    const ids = doomed.filter((w) => w.blueprint === blueprint).map((w) => w.identifier);
    if (ids.length === 0) continue;
    const verdict = judgeShare(
      blueprint,
      ids.length,
      owned.ids.get(blueprint)?.size ?? 0,
      config.entityDeletionThreshold,
    );
    if (verdict) {
      held.push({ blueprint, reason: verdict });
      deps.log.error(verdict, { runId: run.runId, blueprint });
    } else toDelete.set(blueprint, ids);
  }

  const { deleted, failures } = await deleteConfirmed(deps, run, config, owned, toDelete);
  const reason =
    [...held.map((h) => h.reason), ...notes, ...failures.slice(0, MAX_REASON_FAILURES)].join("; ") ||
    undefined;
  const deletion: Deletion = {
    performed: held.length === 0 && !(candidates.length > 0 && !look),
    ...(reason ? { reason } : {}),
    toDelete: [...toDelete.values()].reduce((sum, ids) => sum + ids.length, 0),
    found,
    ...(held.length > 0 ? { held } : {}),
    protected: protectedCount,
    unconfirmed,
    repaired: repaired.written,
    retried,
  };
  if (failures.length > 0) {
    return summary(
      "failed",
      { ...deletion, reason: `${failures.length} stale entit(ies) could not be deleted: ${reason}` },
      deleted,
    );
  }
  await remember(deps, run, config);
  return summary("completed", deletion, deleted);
}

/** Memos of the partitions this run read in full; a run that cannot write them is still complete. */
async function remember(deps: FinishDeps, run: RunRecord, config: PortAppConfig): Promise<void> {
  if (!deps.memos) return;
  try {
    const written = await rememberPartitions({ memos: deps.memos, store: deps.store }, run, config);
    if (written > 0) deps.log.info("partition memos written", { runId: run.runId, written });
  } catch (error) {
    deps.log.warn("could not write partition memos: the next run reads those partitions again", {
      runId: run.runId,
      error: (error as Error).message,
    });
  }
}

/** Deferred entities upserted again; what still fails joins the run's failures. Returns how many went through. */
async function retryWaiting(
  deps: FinishDeps,
  run: RunRecord,
  config: PortAppConfig,
  tally: Tally,
): Promise<number> {
  if (tally.deferred.length === 0) return 0;
  const outcome = await retryDeferred(deps, run, config, tally.deferred);
  let count = 0;
  for (const [blueprint, ids] of outcome.written) {
    const seen = tally.seen.get(blueprint) ?? new Set<string>();
    for (const id of ids) seen.add(id);
    tally.seen.set(blueprint, seen);
    count += ids.length;
  }
  for (const d of tally.deferred) {
    const kind = tally.kinds.find((k) => k.kind === d.kind);
    if (kind && outcome.written.get(d.blueprint)?.includes(idOf(d.entity.identifier))) kind.entities++;
  }
  addFailures(tally, outcome.failures);
  deps.log.info("entities waiting for related entities upserted again", {
    runId: run.runId,
    written: count,
    failed: outcome.failures.length,
  });
  return count;
}

function addFailures(tally: Tally, failures: Tally["failures"]): void {
  addToCauses(tally.causes, failures);
  for (const failure of failures) {
    if (tally.failures.length < MAX_FAILURE_SAMPLES) tally.failures.push(failure);
    const kind = tally.kinds.find((k) => k.kind === failure.kind);
    if (kind) kind.failures++;
  }
  tally.failureCount += failures.length;
}

/** Where each wanted entity was listed last, from the content hashes (when kept). */
async function addOrigins(deps: FinishDeps, run: RunRecord, wanted: Wanted[]): Promise<void> {
  if (!deps.hashes || wanted.length === 0) return;
  const byBlueprint = new Map<string, Wanted[]>();
  for (const w of wanted) byBlueprint.set(w.blueprint, [...(byBlueprint.get(w.blueprint) ?? []), w]);
  for (const [blueprint, list] of byBlueprint) {
    const known = await deps.hashes.get(
      run.integrationId,
      blueprint,
      list.map((w) => w.identifier),
    );
    for (const w of list) {
      const origin = known.get(w.identifier)?.origin;
      if (origin) w.origin = origin;
    }
  }
}

/**
 * The doomed candidates that no kept entity relates to. Kept entities are what Port holds
 * minus the doomed, plus what was just repaired; undefined when relations are unknown.
 */
function keepPlaceholders(
  owned: Owned,
  doomed: Wanted[],
  repaired: ReadonlyArray<{ relations?: Record<string, unknown> }>,
): Wanted[] | undefined {
  if (!owned.relationsKnown) return doomed.length === 0 ? doomed : undefined;
  let current = doomed;
  // A kept candidate keeps what it relates to in turn.
  for (;;) {
    const set = new Set(current.map((w) => wantedKey(w.blueprint, w.identifier)));
    const kept = protectedTargets(
      owned,
      (bp, id) => set.has(wantedKey(bp, id)),
      repaired.flatMap((e) => relationTargets(e.relations)),
    );
    const next = current.filter((w) => !kept.has(w.identifier));
    if (next.length === current.length) return next;
    current = next;
  }
}

async function deleteConfirmed(
  deps: FinishDeps,
  run: RunRecord,
  config: PortAppConfig,
  owned: Owned,
  toDelete: Map<string, string[]>,
): Promise<{ deleted: Record<string, number>; failures: string[] }> {
  const deleted: Record<string, number> = {};
  const failures: string[] = [];
  const gone = new Set<string>();
  for (const [blueprint, ids] of toDelete) {
    const outcome = await deps.catalog.delete(blueprint, ids, {
      deleteDependents: config.deleteDependentEntities,
    });
    deleted[blueprint] = outcome.deleted.length;
    for (const id of outcome.deleted) gone.add(id);
    await deps.hashes?.delete(run.integrationId, blueprint, outcome.deleted);
    for (const failure of outcome.failed) {
      const where = [
        failure.status && `HTTP ${failure.status}`,
        failure.traceId && `trace ${failure.traceId}`,
      ];
      const said = where.filter(Boolean).join(", ");
      failures.push(`${blueprint}/${failure.identifier}: ${failure.message}${said ? ` (${said})` : ""}`);
    }
    deps.log.info("deleted stale entities", { runId: run.runId, blueprint, deleted: outcome.deleted.length });
  }
  // What pointed at a deleted entity lost that relation, or was deleted with it: write it again next time.
  if (gone.size > 0 && deps.hashes) {
    for (const [blueprint, ids] of touchedBy(owned, gone))
      await deps.hashes.delete(run.integrationId, blueprint, ids);
  }
  return { deleted, failures };
}

const idOf = (identifier: unknown) =>
  typeof identifier === "string" ? identifier : JSON.stringify(identifier);
