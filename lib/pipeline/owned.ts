import type { Catalog } from "./contracts/index.ts";

/** What Port holds for this integration: identifiers per blueprint and, when known, what each relates to. */
export interface Owned {
  ids: Map<string, Set<string>>;
  /** Identifiers each owned entity's relations name (`blueprint\0identifier` → targets). */
  targets: Map<string, string[]>;
  /** False when the catalog cannot list relations: placeholders cannot be told apart then. */
  relationsKnown: boolean;
}

const key = (blueprint: string, identifier: string) => `${blueprint}\u0000${identifier}`;

/** Reads every entity this integration wrote in these blueprints, with relations when the catalog can. */
export async function readOwned(catalog: Catalog, blueprints: readonly string[]): Promise<Owned> {
  const owned: Owned = { ids: new Map(), targets: new Map(), relationsKnown: !!catalog.listOwnedEntities };
  for (const blueprint of blueprints) {
    const ids = new Set<string>();
    owned.ids.set(blueprint, ids);
    if (!catalog.listOwnedEntities) {
      for await (const identifier of catalog.listOwned(blueprint)) ids.add(identifier);
      continue;
    }
    for await (const entity of catalog.listOwnedEntities(blueprint)) {
      ids.add(entity.identifier);
      const targets = relationTargets(entity.relations);
      if (targets.length > 0) owned.targets.set(key(blueprint, entity.identifier), targets);
    }
  }
  return owned;
}

/** The identifiers a relations object names (single, many; search queries name none). */
export function relationTargets(relations: Record<string, unknown> | undefined): string[] {
  const out: string[] = [];
  for (const value of Object.values(relations ?? {})) {
    if (typeof value === "string") out.push(value);
    else if (Array.isArray(value)) for (const v of value) if (typeof v === "string") out.push(v);
  }
  return out;
}

/**
 * The identifiers that kept entities relate to, followed through kept targets too: with
 * `createMissingRelatedEntities` Port made them (placeholders) and deleting one clears, or
 * with a required relation and `delete_dependents` deletes, what points at it. Targets are
 * matched by identifier alone, which may keep a little more than needed, never less.
 */
export function protectedTargets(
  owned: Owned,
  isDoomed: (blueprint: string, identifier: string) => boolean,
  extra: Iterable<string> = [],
): Set<string> {
  const kept = new Set<string>(extra);
  for (const [entity, targets] of owned.targets) {
    const [blueprint, identifier] = entity.split("\u0000") as [string, string];
    if (!isDoomed(blueprint, identifier)) for (const t of targets) kept.add(t);
  }
  return kept;
}

/**
 * Owned entities a deletion touched: those whose relations named a deleted entity (Port
 * cleared the relation, or deleted the entity as a dependent), and what points at those,
 * transitively. Their content hashes must go so that the next run writes them again.
 */
export function touchedBy(owned: Owned, deleted: ReadonlySet<string>): Map<string, string[]> {
  const gone = new Set(deleted);
  const byBlueprint = new Map<string, string[]>();
  const touched = new Set<string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const [entity, targets] of owned.targets) {
      if (touched.has(entity) || !targets.some((t) => gone.has(t))) continue;
      const [blueprint, identifier] = entity.split("\u0000") as [string, string];
      touched.add(entity);
      gone.add(identifier);
      byBlueprint.set(blueprint, [...(byBlueprint.get(blueprint) ?? []), identifier]);
      changed = true;
    }
  }
  return byBlueprint;
}
