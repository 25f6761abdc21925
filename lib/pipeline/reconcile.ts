import type { PortAppConfig } from "../mapping/index.ts";
import type { FinishDeps } from "./finish.ts";
import type { RunRecord, RunSummary } from "./run.ts";
import { type Tally, tallyBatches } from "./tally.ts";

/**
 * Deletes the entities this integration wrote before and this run did not see — only when
 * the run had no failure at all, and never more than `entityDeletionThreshold` of a
 * blueprint's entities (a source that suddenly returns nothing must not wipe the catalog).
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
  const summary = (
    status: RunSummary["status"],
    deletion: RunSummary["deletion"],
    deleted = {},
  ): RunSummary => ({
    status,
    durationMs: Date.now() - Date.parse(run.startedAt),
    kinds: tally.kinds,
    failures: tally.failures,
    failureCount: tally.failureCount,
    deleted,
    deletion,
    continuations: run.continuations,
    batches: tally.batches,
  });
  const nothing = (reason: string) => ({ performed: false, reason, toDelete: 0, found: 0 });
  if (options.failure) return summary("failed", nothing(`reconciliation failed: ${options.failure}`));
  if (!config) return summary("failed", nothing("the run's config snapshot is missing"));
  if (tally.failureCount > 0) {
    return summary("failed", nothing(`the run had ${tally.failureCount} failure(s): nothing deleted`));
  }
  const blueprints = deletableBlueprints(config, run, tally);
  if (blueprints.length === 0)
    return summary("completed", nothing("no blueprint is fully covered by this run"));

  const stale = new Map<string, string[]>();
  let found = 0;
  let toDelete = 0;
  for (const blueprint of blueprints) {
    const seen = tally.seen.get(blueprint) ?? new Set<string>();
    const ids: string[] = [];
    let owned = 0;
    for await (const identifier of deps.catalog.listOwned(blueprint)) {
      owned++;
      if (!seen.has(identifier)) ids.push(identifier);
    }
    found += owned;
    toDelete += ids.length;
    const share = owned === 0 ? 0 : ids.length / owned;
    if (share > config.entityDeletionThreshold) {
      const reason =
        `deletion blocked: ${ids.length} of ${owned} ${blueprint} entities (${percent(share)}) would be deleted, ` +
        `above entityDeletionThreshold ${percent(config.entityDeletionThreshold)}; nothing deleted`;
      deps.log.error(reason, { runId: run.runId, blueprint });
      return summary("completed", { performed: false, reason, toDelete: ids.length, found: owned });
    }
    if (ids.length > 0) stale.set(blueprint, ids);
  }

  const deleted: Record<string, number> = {};
  const failures: string[] = [];
  for (const [blueprint, ids] of stale) {
    const outcome = await deps.catalog.delete(blueprint, ids, {
      deleteDependents: config.deleteDependentEntities,
    });
    deleted[blueprint] = outcome.deleted.length;
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
  const deletion = { performed: true, toDelete, found };
  if (failures.length > 0) {
    const reason = `${failures.length} stale entit(ies) could not be deleted: ${failures.slice(0, 5).join("; ")}`;
    return summary("failed", { ...deletion, reason }, deleted);
  }
  return summary("completed", deletion, deleted);
}

/**
 * The blueprints this run may delete from: those its resources write, found from the
 * mapping (a literal blueprint) or from what it wrote. A partial run (`--kinds`) leaves out
 * any blueprint that a resource outside the run also writes, as it cannot know those entities.
 */
export function deletableBlueprints(
  config: PortAppConfig,
  run: RunRecord,
  tally: Pick<Tally, "seen">,
): string[] {
  const covered = new Set(run.resources);
  const mine = new Set<string>(tally.seen.keys());
  const others = new Set<string>();
  for (const [index, resource] of config.resources.entries()) {
    const literal = literalBlueprint(resource.port.entity.mappings.blueprint);
    if (covered.has(index)) {
      if (literal) mine.add(literal);
    } else if (!literal) {
      return [];
    } else {
      others.add(literal);
    }
  }
  return [...mine].filter((blueprint) => !others.has(blueprint)).sort();
}

/** `'"githubRepository"'` in YAML is the jq string literal "githubRepository". */
export function literalBlueprint(expression: string): string | undefined {
  return /^\s*"([^"\\]+)"\s*$/.exec(expression)?.[1];
}

const percent = (share: number) => `${Math.round(share * 1000) / 10}%`;
