import type {
  Catalog,
  CatalogEntity,
  DeleteOutcome,
  OwnedEntity,
  ReadableCatalog,
  UpsertOptions,
  UpsertOutcome,
} from "../pipeline/contracts/index.ts";
import type { Entity } from "../port/entity.ts";

export interface PlannedUpdate {
  blueprint: string;
  identifier: string;
  /** `properties.stars: 3 → 4`, one a field. */
  changes: string[];
}

export interface Plan {
  create: Array<{ blueprint: string; identifier: string }>;
  update: PlannedUpdate[];
  unchanged: number;
  delete: Array<{ blueprint: string; identifier: string }>;
}

/**
 * A catalog that writes nothing: `tide resync --plan` runs the real resync against it and
 * it records what would be created, updated (field by field), left unchanged and deleted,
 * reading the real catalog to compare.
 */
export class PlanCatalog implements Catalog {
  readonly plan: Plan = { create: [], update: [], unchanged: 0, delete: [] };
  readonly description: string;
  readonly #catalog: ReadableCatalog;

  constructor(catalog: ReadableCatalog) {
    this.#catalog = catalog;
    this.description = `${catalog.description}, read only (plan)`;
  }

  async upsert(blueprint: string, entities: Entity[], options: UpsertOptions): Promise<UpsertOutcome[]> {
    const ids = entities.map((e) => e.identifier).filter((id): id is string => typeof id === "string");
    const current = await this.#catalog.getEntities(blueprint, ids);
    return entities.map((entity) => {
      if (typeof entity.identifier !== "string") {
        // Port resolves search-query identifiers when writing; a plan cannot say which entity.
        const identifier = JSON.stringify(entity.identifier);
        this.plan.update.push({ blueprint, identifier, changes: ["identifier resolved by Port's search"] });
        return { ok: true, identifier };
      }
      const existing = current.get(entity.identifier);
      if (!existing) this.plan.create.push({ blueprint, identifier: entity.identifier });
      else {
        const changes = diff(existing, entity, options.merge);
        if (changes.length === 0) this.plan.unchanged++;
        else this.plan.update.push({ blueprint, identifier: entity.identifier, changes });
      }
      return { ok: true, identifier: entity.identifier };
    });
  }

  listOwned(blueprint: string): AsyncIterable<string> {
    return this.#catalog.listOwned(blueprint);
  }

  listOwnedEntities(blueprint: string): AsyncIterable<OwnedEntity> {
    if (this.#catalog.listOwnedEntities) return this.#catalog.listOwnedEntities(blueprint);
    return (async function* (ids) {
      for await (const identifier of ids) yield { identifier };
    })(this.#catalog.listOwned(blueprint));
  }

  async delete(blueprint: string, identifiers: string[]): Promise<DeleteOutcome> {
    for (const identifier of identifiers) this.plan.delete.push({ blueprint, identifier });
    return { deleted: [...identifiers], failed: [] };
  }
}

/** The fields an upsert would change. With merge, fields the mapping does not send are kept. */
export function diff(current: CatalogEntity, next: Entity, merge: boolean): string[] {
  const changes: string[] = [];
  const compare = (field: string, before: unknown, after: unknown) => {
    if (!same(before, after)) changes.push(`${field}: ${show(before)} → ${show(after)}`);
  };
  for (const field of ["title", "icon", "team"] as const) {
    if (field in next || !merge) compare(field, current[field] ?? null, next[field] ?? null);
  }
  for (const group of ["properties", "relations"] as const) {
    const before = (current[group] ?? {}) as Record<string, unknown>;
    const after = (next[group] ?? {}) as Record<string, unknown>;
    const keys = new Set([...Object.keys(after), ...(merge ? [] : Object.keys(before))]);
    for (const key of [...keys].sort()) compare(`${group}.${key}`, before[key] ?? null, after[key] ?? null);
  }
  return changes;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(normalise(a)) === JSON.stringify(normalise(b));
}

/** Key order does not make two objects different. */
function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([k, v]) => [k, normalise(v)]),
    );
  }
  return value;
}

function show(value: unknown): string {
  const text = JSON.stringify(value) ?? "null";
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
