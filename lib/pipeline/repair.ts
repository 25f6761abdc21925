import type { PortAppConfig } from "../mapping/index.ts";
import type { Entity } from "../port/entity.ts";
import type { ReadableCatalog, UpsertOptions } from "./contracts/index.ts";
import type { FinishDeps } from "./finish.ts";
import type { Failure, RunRecord } from "./run.ts";
import { type LookResult, type Wanted, wantedKey } from "./second-look.ts";
import { contentHash } from "./unchanged.ts";

export interface RepairOutcome {
  /** Entities written again. */
  written: number;
  entities: Entity[];
  /** Left for the next run (their content hashes forgotten, so it writes them). */
  later: number;
  failures: Failure[];
}

/**
 * Self-repair: the run saw these entities (most of them unchanged, so not sent) but Port
 * lacks them — deleted by hand or by another tool. Each is upserted again in this run with
 * the content the second look found; its hash is refreshed. One the look did not find is left
 * to the next run, its hash forgotten so that run writes it whatever it finds unchanged.
 * An entity Port holds under another datasource (another writer took it over) is left alone.
 */
export async function repair(
  deps: FinishDeps,
  run: RunRecord,
  config: PortAppConfig,
  missing: readonly Wanted[],
  look: LookResult | undefined,
): Promise<RepairOutcome> {
  const outcome: RepairOutcome = { written: 0, entities: [], later: 0, failures: [] };
  if (missing.length === 0) return outcome;
  const options: UpsertOptions = {
    merge: config.enableMergeEntity,
    createMissingRelatedEntities: config.createMissingRelatedEntities,
  };
  const byBlueprint = new Map<string, Wanted[]>();
  for (const w of missing) byBlueprint.set(w.blueprint, [...(byBlueprint.get(w.blueprint) ?? []), w]);
  for (const [blueprint, list] of byBlueprint) {
    const elsewhere = await heldByOthers(deps.catalog, blueprint, list);
    const todo = list.filter((w) => !elsewhere.has(w.identifier));
    const entities = todo.flatMap((w) => {
      const entity = look?.found.get(wantedKey(w.blueprint, w.identifier));
      return entity ? [{ wanted: w, entity }] : [];
    });
    const later = todo.filter((w) => !look?.found.has(wantedKey(w.blueprint, w.identifier)));
    outcome.later += later.length;
    await deps.hashes?.delete(
      run.integrationId,
      blueprint,
      later.map((w) => w.identifier),
    );
    if (entities.length === 0) continue;
    const results = await deps.catalog.upsert(
      blueprint,
      entities.map((e) => e.entity),
      options,
    );
    const hashes: Array<{ identifier: string; hash: string; writtenAt: number }> = [];
    for (const [i, result] of results.entries()) {
      const entry = entities[i];
      if (!entry) continue;
      if (result.ok) {
        outcome.written++;
        outcome.entities.push(entry.entity);
        hashes.push({
          identifier: result.identifier,
          hash: contentHash(entry.entity, options),
          writtenAt: Date.now(),
          ...(entry.wanted.origin ? { origin: entry.wanted.origin } : {}),
        });
        continue;
      }
      await deps.hashes?.delete(run.integrationId, blueprint, [entry.wanted.identifier]);
      outcome.failures.push({
        kind: entry.wanted.origin?.kind ?? blueprint,
        status: result.status,
        code: result.code,
        traceId: result.traceId,
        message: `${blueprint}/${result.identifier}: missing in Port and could not be written again: ${result.message}`,
      });
    }
    if (deps.hashes && hashes.length > 0) await deps.hashes.put(run.integrationId, blueprint, hashes);
    deps.log.info("wrote again entities Port had lost", {
      runId: run.runId,
      blueprint,
      written: hashes.length,
    });
  }
  return outcome;
}

/** Which of these Port holds anyway, written by someone else (when the catalog can say). */
async function heldByOthers(
  catalog: FinishDeps["catalog"],
  blueprint: string,
  list: Wanted[],
): Promise<Set<string>> {
  const readable = catalog as Partial<ReadableCatalog>;
  if (typeof readable.getEntities !== "function") return new Set();
  const found = await readable.getEntities(
    blueprint,
    list.map((w) => w.identifier),
  );
  return new Set(found.keys());
}
