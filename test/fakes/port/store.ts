import { type Blueprint, isObject, propertyValueError } from "./schema.ts";
import { matchesQuery } from "./search.ts";

/** An entity as the emulator keeps it, with the meta fields Port records. */
export interface StoredEntity {
  identifier: string;
  blueprint: string;
  title?: string;
  icon?: string;
  team: string[];
  properties: Record<string, unknown>;
  relations: Record<string, string | string[] | null>;
  /** The `User-Agent` of the last write: Port's `$datasource`. */
  datasource: string;
  createdAt: string;
  updatedAt: string;
  createdBy: string;
  updatedBy: string;
}

export interface WriteContext {
  /** `merge=true`: update only the fields sent; otherwise replace the entity. */
  merge: boolean;
  /** `upsert=false`: an existing identifier is a conflict. */
  upsert: boolean;
  createMissingRelatedEntities: boolean;
  datasource: string;
  actor: string;
  now: string;
}

export type EntityOutcome =
  | { ok: true; entity: StoredEntity; created: boolean }
  | { ok: false; identifier: string; statusCode: number; error: string; message: string };

type Failure = Extract<EntityOutcome, { ok: false }>;

/**
 * One blueprint's entities by identifier, counting changes to its set of identifiers, so that
 * search can keep them sorted between writes (a million entities listed 1,000 a page would
 * otherwise be sorted a thousand times: minutes of this emulator's time, none of Port's).
 */
export class EntityBag extends Map<string, StoredEntity> {
  identifiersVersion = 0;

  override set(identifier: string, entity: StoredEntity): this {
    if (!this.has(identifier)) this.identifiersVersion++;
    return super.set(identifier, entity);
  }

  override delete(identifier: string): boolean {
    const deleted = super.delete(identifier);
    if (deleted) this.identifiersVersion++;
    return deleted;
  }

  override clear(): void {
    this.identifiersVersion++;
    super.clear();
  }
}

/** Blueprints and their entities: the emulator's catalog. */
export class CatalogStore {
  readonly blueprints = new Map<string, Blueprint>();
  readonly #entities = new Map<string, EntityBag>();

  entitiesOf(blueprint: string): EntityBag {
    let bag = this.#entities.get(blueprint);
    if (!bag) {
      bag = new EntityBag();
      this.#entities.set(blueprint, bag);
    }
    return bag;
  }

  dropBlueprint(identifier: string): void {
    this.blueprints.delete(identifier);
    this.#entities.delete(identifier);
  }

  /** One entity write, validated against the blueprint; nothing is stored unless all of it is valid. */
  upsert(blueprint: Blueprint, raw: Record<string, unknown>, ctx: WriteContext): EntityOutcome {
    const bag = this.entitiesOf(blueprint.identifier);
    const label = typeof raw.identifier === "string" ? raw.identifier : JSON.stringify(raw.identifier);
    const fail = (statusCode: number, error: string, message: string): Failure => ({
      ok: false,
      identifier: label,
      statusCode,
      error,
      message,
    });

    let identifier: string;
    if (isObject(raw.identifier)) {
      const found = [...bag.values()].filter((e) =>
        matchesQuery(e, raw.identifier as Record<string, unknown>),
      );
      if (found.length !== 1 || !found[0]) {
        return found.length === 0
          ? fail(404, "not_found", `no ${blueprint.identifier} entity matches the identifier query`)
          : fail(422, "invalid_request", `the identifier query matched ${found.length} entities, not one`);
      }
      identifier = found[0].identifier;
    } else identifier = String(raw.identifier);

    const properties = (raw.properties ?? {}) as Record<string, unknown>;
    for (const [key, value] of Object.entries(properties)) {
      const schema = blueprint.schema.properties[key];
      if (!schema)
        return fail(
          422,
          "invalid_request",
          `property "${key}" does not exist on blueprint "${blueprint.identifier}"`,
        );
      const error = propertyValueError(schema, value);
      if (error) return fail(422, "invalid_request", `property "${key}" ${error}`);
    }

    const relations: Record<string, string | string[] | null> = {};
    const missing: Array<{ blueprint: string; identifier: string }> = [];
    for (const [key, value] of Object.entries((raw.relations ?? {}) as Record<string, unknown>)) {
      const schema = blueprint.relations[key];
      if (!schema)
        return fail(
          422,
          "invalid_request",
          `relation "${key}" does not exist on blueprint "${blueprint.identifier}"`,
        );
      if (value === null) {
        relations[key] = null;
        continue;
      }
      const targets = this.entitiesOf(schema.target);
      let ids: string[];
      if (isObject(value)) {
        ids = [...targets.values()].filter((e) => matchesQuery(e, value)).map((e) => e.identifier);
        if (!schema.many && ids.length !== 1) {
          return ids.length === 0
            ? fail(404, "not_found", `relation "${key}": no ${schema.target} entity matches the query`)
            : fail(
                422,
                "invalid_request",
                `relation "${key}": the query matched ${ids.length} entities, not one`,
              );
        }
      } else if (Array.isArray(value) !== schema.many) {
        return fail(
          422,
          "invalid_request",
          `relation "${key}" ${schema.many ? "is many: send an array" : "is single: send one identifier"}`,
        );
      } else ids = Array.isArray(value) ? (value as string[]) : [String(value)];
      for (const id of ids) {
        if (targets.has(id) || missing.some((m) => m.blueprint === schema.target && m.identifier === id))
          continue;
        if (!ctx.createMissingRelatedEntities) {
          return fail(
            404,
            "not_found",
            `related entity "${id}" of blueprint "${schema.target}" (relation "${key}") not found`,
          );
        }
        missing.push({ blueprint: schema.target, identifier: id });
      }
      relations[key] = schema.many ? ids : (ids[0] ?? null);
    }

    const existing = bag.get(identifier);
    if (existing && !ctx.upsert)
      return fail(409, "identifier_taken", `entity "${identifier}" already exists`);
    const team =
      typeof raw.team === "string" ? [raw.team] : Array.isArray(raw.team) ? (raw.team as string[]) : [];
    const keep = existing && ctx.merge;
    const next: StoredEntity = {
      identifier,
      blueprint: blueprint.identifier,
      team: "team" in raw || !keep ? team : existing.team,
      properties: keep ? { ...existing.properties, ...properties } : { ...properties },
      relations: keep ? { ...existing.relations, ...relations } : relations,
      datasource: ctx.datasource,
      createdAt: existing?.createdAt ?? ctx.now,
      createdBy: existing?.createdBy ?? ctx.actor,
      updatedAt: ctx.now,
      updatedBy: ctx.actor,
    };
    const title = "title" in raw ? raw.title : keep ? existing.title : undefined;
    const icon = "icon" in raw ? raw.icon : keep ? existing.icon : undefined;
    if (typeof title === "string") next.title = title;
    if (typeof icon === "string") next.icon = icon;

    for (const name of blueprint.schema.required) {
      const value = next.properties[name];
      if (value === undefined || value === null)
        return fail(422, "invalid_request", `required property "${name}" is missing`);
    }
    for (const [name, rel] of Object.entries(blueprint.relations)) {
      const value = next.relations[name];
      if (
        rel.required &&
        (value === undefined || value === null || (Array.isArray(value) && value.length === 0))
      ) {
        return fail(422, "invalid_request", `required relation "${name}" is missing`);
      }
    }

    for (const m of missing) {
      this.entitiesOf(m.blueprint).set(m.identifier, {
        identifier: m.identifier,
        blueprint: m.blueprint,
        team: [],
        properties: {},
        relations: {},
        datasource: ctx.datasource,
        createdAt: ctx.now,
        createdBy: ctx.actor,
        updatedAt: ctx.now,
        updatedBy: ctx.actor,
      });
    }
    bag.set(identifier, next);
    return { ok: true, entity: next, created: !existing };
  }

  /**
   * Deletes entities atomically, as Port's bulk route does: all of them, or none when one is
   * missing (404) or has dependents (entities whose *required* relation points at it) while
   * `deleteDependents` is false (422). Optional relations pointing at a deleted entity are cleared.
   */
  delete(
    blueprint: string,
    identifiers: string[],
    deleteDependents: boolean,
  ): { ok: true; deleted: string[] } | { ok: false; status: number; error: string; message: string } {
    const bag = this.entitiesOf(blueprint);
    const absent = identifiers.filter((id) => !bag.has(id));
    if (absent.length > 0) {
      const list = absent
        .slice(0, 5)
        .map((id) => `"${id}"`)
        .join(", ");
      return {
        ok: false,
        status: 404,
        error: "not_found",
        message: `entities not found in "${blueprint}": ${list}`,
      };
    }
    const doomed = new Set(identifiers.map((id) => `${blueprint}\u0000${id}`));
    const queue = identifiers.map((id) => ({ blueprint, identifier: id }));
    for (let item = queue.shift(); item; item = queue.shift()) {
      for (const dependent of this.#dependents(item.blueprint, item.identifier)) {
        const key = `${dependent.blueprint}\u0000${dependent.identifier}`;
        if (doomed.has(key)) continue;
        if (!deleteDependents) {
          return {
            ok: false,
            status: 422,
            error: "has_dependents",
            message: `entity "${item.identifier}" has dependent entity "${dependent.identifier}" (${dependent.blueprint}); use delete_dependents=true`,
          };
        }
        doomed.add(key);
        queue.push(dependent);
      }
    }
    for (const key of doomed) {
      const [bp, id] = key.split("\u0000") as [string, string];
      this.entitiesOf(bp).delete(id);
    }
    this.#clearRelationsTo(doomed);
    return { ok: true, deleted: identifiers };
  }

  /** Entities whose required relation points at `identifier` of `blueprint`. */
  #dependents(blueprint: string, identifier: string): StoredEntity[] {
    const out: StoredEntity[] = [];
    for (const bp of this.blueprints.values()) {
      const required = Object.entries(bp.relations).filter(([, r]) => r.required && r.target === blueprint);
      if (required.length === 0) continue;
      for (const entity of this.entitiesOf(bp.identifier).values()) {
        if (required.some(([name]) => pointsAt(entity.relations[name], identifier))) out.push(entity);
      }
    }
    return out;
  }

  #clearRelationsTo(doomed: Set<string>): void {
    for (const bp of this.blueprints.values()) {
      for (const [name, rel] of Object.entries(bp.relations)) {
        for (const entity of this.entitiesOf(bp.identifier).values()) {
          const value = entity.relations[name];
          if (value === undefined || value === null) continue;
          const gone = (id: string) => doomed.has(`${rel.target}\u0000${id}`);
          if (Array.isArray(value)) entity.relations[name] = value.filter((id) => !gone(id));
          else if (gone(value)) entity.relations[name] = null;
        }
      }
    }
  }
}

const pointsAt = (value: string | string[] | null | undefined, id: string) =>
  Array.isArray(value) ? value.includes(id) : value === id;
