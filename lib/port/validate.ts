import type { Entity, SearchQuery } from "./entity.ts";
import { validateEntityIdentifier, validatePropertyIdentifier } from "./identifiers.ts";

/** A reason Port would refuse an entity, found before sending it. */
export interface EntityProblem {
  /** The field at fault: `identifier`, `blueprint`, `title`, `team`, `properties.<key>`, `relations.<key>`. */
  field: string;
  message: string;
}

/** Whether a value has the shape of a search query (`{combinator, rules}`); Port checks the rest. */
export function isSearchQuery(value: unknown): value is SearchQuery {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const { combinator, rules } = value as { combinator?: unknown; rules?: unknown };
  return (combinator === "and" || combinator === "or") && Array.isArray(rules);
}

function identifierProblem(value: unknown): string | undefined {
  if (isSearchQuery(value)) return undefined;
  if (typeof value !== "string") return "must be a string or a search query ({combinator, rules})";
  return validateEntityIdentifier(value);
}

/**
 * The first problem Port's request schema would find in an entity, or undefined. Property
 * values are not checked: they depend on the blueprint, and Port reports them per entity.
 */
export function entityProblem(blueprint: string, entity: Entity): EntityProblem | undefined {
  if (typeof entity !== "object" || entity === null) return { field: "entity", message: "must be an object" };
  if (entity.blueprint !== undefined && entity.blueprint !== blueprint) {
    return {
      field: "blueprint",
      message: `is "${entity.blueprint}" but the entity is sent to "${blueprint}"`,
    };
  }
  const idProblem = identifierProblem(entity.identifier);
  if (idProblem) return { field: "identifier", message: idProblem };
  for (const field of ["title", "icon"] as const) {
    const value = entity[field];
    if (value !== undefined && value !== null && typeof value !== "string") {
      return { field, message: "must be a string" };
    }
  }
  const team = entity.team;
  if (
    team !== undefined &&
    team !== null &&
    typeof team !== "string" &&
    !isSearchQuery(team) &&
    !(Array.isArray(team) && team.every((t) => typeof t === "string"))
  ) {
    return { field: "team", message: "must be a string, a list of strings or a search query" };
  }
  if (entity.properties !== undefined && !isRecord(entity.properties)) {
    return { field: "properties", message: "must be an object" };
  }
  for (const key of Object.keys(entity.properties ?? {})) {
    const problem = validatePropertyIdentifier(key);
    if (problem) return { field: `properties.${key}`, message: problem };
  }
  if (entity.relations !== undefined && !isRecord(entity.relations)) {
    return { field: "relations", message: "must be an object" };
  }
  for (const [key, value] of Object.entries(entity.relations ?? {})) {
    const keyProblem = validatePropertyIdentifier(key);
    if (keyProblem) return { field: `relations.${key}`, message: keyProblem };
    if (value === null) continue;
    const targets: unknown[] = Array.isArray(value) ? value : [value];
    for (const target of targets) {
      const problem =
        Array.isArray(value) && isSearchQuery(target)
          ? "a list holds identifiers, not search queries"
          : identifierProblem(target);
      if (problem) return { field: `relations.${key}`, message: problem };
    }
  }
  return undefined;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * The entity as Port's upsert body wants it: no `blueprint` (it is in the path), and no null
 * `title`/`icon`/`team` (Port's schema wants strings there; leaving them out is how to say "none").
 */
export function toUpsertBody(entity: Entity): Record<string, unknown> {
  const body: Record<string, unknown> = { identifier: entity.identifier };
  if (typeof entity.title === "string") body.title = entity.title;
  if (typeof entity.icon === "string") body.icon = entity.icon;
  if (entity.team !== undefined && entity.team !== null) body.team = entity.team;
  if (entity.properties !== undefined) body.properties = entity.properties;
  if (entity.relations !== undefined) body.relations = entity.relations;
  return body;
}

/** How an entity is named in results and messages: its identifier, or its identifier query as JSON. */
export const entityLabel = (entity: Entity): string =>
  typeof entity?.identifier === "string" ? entity.identifier : JSON.stringify(entity?.identifier);
