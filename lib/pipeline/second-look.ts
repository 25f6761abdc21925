import type { PortAppConfig } from "../mapping/index.ts";
import type { Entity } from "../port/entity.ts";
import { getKind } from "../source/kinds.ts";
import { lookAgain } from "../source/look-again.ts";
import type { LookAgainScope, Source } from "../source/types.ts";
import { literalBlueprint } from "./blueprints.ts";
import type { ItemOrigin } from "./contracts/index.ts";
import { selectorExtras } from "./enumeration.ts";
import type { RunMappers } from "./mappers.ts";
import { resourceKind } from "./resource-kind.ts";
import type { RunRecord } from "./run.ts";

/** An entity reconciliation wants the source's word on, and where it was listed last (when known). */
export interface Wanted {
  blueprint: string;
  identifier: string;
  origin?: ItemOrigin;
}

export interface LookResult {
  /** Wanted entities the source still has, as the run's mapping makes them now. */
  found: Map<string, Entity>;
  /** Wanted entities the look could not decide on (the source failed, an item did not map): keep them. */
  undecided: Set<string>;
  /** Why some were undecided, for the summary. */
  problems: string[];
}

/** Keys of `LookResult` maps. */
export const wantedKey = (blueprint: string, identifier: string) => `${blueprint}\u0000${identifier}`;

/**
 * A second look at the source for just some entities: the confirmation that a candidate for
 * deletion is really gone, and the content of an entity Port lost (self-repair).
 */
export interface SecondLook {
  look(run: RunRecord, config: PortAppConfig, wanted: readonly Wanted[]): Promise<LookResult>;
}

export interface SourceLookOptions {
  /** Built on first use: the ingest Lambda builds a source only when a run needs a second look. */
  source: () => Source;
  mappers: RunMappers;
  /** Partitions read at once. Default 8. */
  concurrency?: number;
}

/**
 * The second look every source supports: for each resource of the run that may hold wanted
 * entities, list again the partitions where they were last listed (or the whole kind, when a
 * partition is unknown), map the items with the run's own mapping and report which wanted
 * entities reappear. Anything that goes wrong leaves the entities concerned undecided.
 *
 * @example
 * const look = sourceSecondLook({ source: () => source, mappers });
 * const { found, undecided } = await look.look(run, config, [{ blueprint: "githubRepository", identifier: "api" }]);
 */
export function sourceSecondLook(options: SourceLookOptions): SecondLook {
  return {
    async look(run, config, wanted) {
      const result: LookResult = { found: new Map(), undecided: new Set(), problems: [] };
      const undecide = (list: readonly Wanted[], why: string) => {
        for (const w of list) result.undecided.add(wantedKey(w.blueprint, w.identifier));
        result.problems.push(why);
      };
      let source: Source;
      try {
        source = options.source();
      } catch (error) {
        undecide(wanted, `the source could not be built: ${(error as Error).message}`);
        return result;
      }
      const resources = run.resources.flatMap((index) => {
        const spec = config.resources[index];
        return spec
          ? [{ index, spec, blueprint: literalBlueprint(spec.port.entity.mappings.blueprint) }]
          : [];
      });
      const kindsOf = (blueprint: string) =>
        new Set(resources.filter((r) => !r.blueprint || r.blueprint === blueprint).map((r) => r.spec.kind));
      const wantedKeys = new Set(wanted.map((w) => wantedKey(w.blueprint, w.identifier)));
      let none = true;

      await Promise.all(
        resources.map(async ({ index, spec, blueprint }) => {
          // An origin in a kind that no longer writes the blueprint says nothing: look everywhere.
          const mine = wanted.filter(
            (w) =>
              (!blueprint || blueprint === w.blueprint) &&
              (!w.origin || w.origin.kind === spec.kind || !kindsOf(w.blueprint).has(w.origin.kind)),
          );
          if (mine.length === 0) return;
          none = false;
          const where = `kind ${spec.kind} (resource #${index})`;
          try {
            const kind = resourceKind(source, getKind(source, spec.kind), spec);
            const known = mine.every((w) => w.origin?.kind === spec.kind);
            const scope: LookAgainScope =
              kind.partitions && known
                ? { partitions: mine.map((w) => w.origin?.partition ?? "") }
                : { partitions: "all" };
            const mapper = await options.mappers.mapper(run.runId, index);
            await lookAgain(
              kind,
              scope,
              { selector: selectorExtras(spec.selector), concurrency: options.concurrency },
              async (page, partition) => {
                if (page.unreadable !== undefined) {
                  // The partition's items are unknown, not absent (a repository GitHub blocked):
                  // whatever was last listed there, or may have been, stays.
                  for (const w of mine) {
                    const elsewhere = w.origin?.kind === spec.kind && w.origin.partition !== partition;
                    if (!elsewhere) result.undecided.add(wantedKey(w.blueprint, w.identifier));
                  }
                  result.problems.push(`${where}: ${partition ? `${partition}: ` : ""}${page.unreadable}`);
                  return;
                }
                const mapped = await mapper.map(page.items);
                if (mapped.failures.length > 0) {
                  const first = mapped.failures[0];
                  throw new Error(
                    `${mapped.failures.length} item(s) could not be mapped (${first?.field}: ${first?.message})`,
                  );
                }
                for (const { entity } of mapped.entities) {
                  if (typeof entity.identifier !== "string") continue;
                  const key = wantedKey(entity.blueprint, entity.identifier);
                  if (wantedKeys.has(key)) result.found.set(key, entity);
                }
              },
            );
          } catch (error) {
            undecide(mine, `${where}: could not be listed again: ${(error as Error).message}`);
          }
        }),
      );
      if (none && wanted.length > 0) undecide(wanted, "no resource of this run writes these blueprints");
      return result;
    },
  };
}
