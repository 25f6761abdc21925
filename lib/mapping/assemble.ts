import type { Entity, SearchQuery } from "../port/entity.ts";
import { validateBlueprintIdentifier, validateEntityIdentifier } from "../port/identifiers.ts";
import type { EntityShape, QueryShape, Slot, ValueShape } from "./program.ts";

/**
 * Turns one item's jq results into an entity, or says why it is not one. The checks are
 * what Port would reject anyway, reported here with the field that produced the value.
 */

export type Outcome =
  | { entity: Entity; key: string }
  | { filtered: true }
  | { skipped: string; key?: string }
  | { failed: { field: string; message: string }; key?: string };

class FieldProblem extends Error {
  readonly field: string;
  constructor(field: string, message: string) {
    super(message);
    this.field = field;
  }
}

/**
 * One entity's jq results: `0` (filtered), `{values}` from the fast path (the value of every
 * slot, by slot index), `{f}` from the slow program (`[value]`, `[]` or `{e}` by slow
 * position), or `{s}` (the selector's problem).
 */
export function assemble(result: unknown, shape: EntityShape, slots: Slot[]): Outcome {
  if (result === 0) return { filtered: true };
  const fast = (result as { values?: unknown[] }).values;
  const slow = (result as { f?: unknown[] }).f;
  if (!fast && !slow) return { failed: selectorProblem(result) };
  const errors: number[] = [];
  const get = (slot: number): unknown => {
    const s = slots[slot] as Slot;
    if (s.constant) return s.constant.value;
    if (fast) return fast[slot];
    const r: unknown = slow?.[s.slowPosition as number];
    if (Array.isArray(r)) return r.length > 0 ? r[0] : null;
    errors.push(slot);
    return undefined;
  };
  const field = (slot: number) => slots[slot]?.field ?? `#${slot}`;
  const failed = (key: string | undefined): Outcome => {
    const [slot, ...others] = errors as [number, ...number[]];
    const also = others.length > 0 ? ` (also failed: ${others.map(field).join(", ")})` : "";
    const error = (slow?.[slots[slot]?.slowPosition as number] as { e?: unknown } | undefined)?.e;
    return { failed: { field: field(slot), message: `${message(error)}${also}` }, key };
  };

  const identifier = gather(shape.identifier, get);
  const blueprint = get(shape.blueprint);
  const key =
    typeof identifier === "string" || typeof identifier === "number" ? String(identifier) : undefined;
  if (errors.length > 0) return failed(key);
  // Ocean's rule: an item whose identifier or blueprint is empty is not an entity.
  if (!truthy(identifier)) return { skipped: `identifier is ${describe(identifier)}` };
  if (!truthy(blueprint)) return { skipped: `blueprint is ${describe(blueprint)}`, key };
  const title = shape.title === undefined ? undefined : get(shape.title);
  const icon = shape.icon === undefined ? undefined : get(shape.icon);
  const teamValue = shape.team === undefined ? undefined : gather(shape.team, get);
  const properties: Record<string, unknown> = {};
  for (const [name, slot] of shape.properties) properties[name] = get(slot);
  const relations = shape.relations.map(([name, s]) => [name, s, gather(s, get)] as const);
  if (errors.length > 0) return failed(key);

  try {
    const entity: Entity = {
      identifier: entityIdentifier(identifier, shape.identifier, field),
      blueprint: blueprintIdentifier(blueprint),
    };
    if (shape.title !== undefined) entity.title = text(title, "title");
    if (shape.icon !== undefined) entity.icon = text(icon, "icon");
    if (shape.team !== undefined) entity.team = team(teamValue, shape.team, field);
    entity.properties = properties;
    entity.relations = {};
    for (const [name, s, value] of relations)
      entity.relations[name] = target(value, s, field, `relations.${name}`);
    return { entity, key: key ?? JSON.stringify(entity.identifier) };
  } catch (error) {
    if (error instanceof FieldProblem) return { failed: { field: error.field, message: error.message }, key };
    throw error;
  }
}

function selectorProblem(result: unknown): { field: string; message: string } {
  const s = (result as { s?: unknown }).s;
  if (!Array.isArray(s))
    return { field: "selector.query", message: message((s as { e?: unknown } | undefined)?.e) };
  return {
    field: "selector.query",
    message: `must return true or false, got ${s.length ? describe(s[0]) : "no value"}`,
  };
}

/** A slot's value, or a search query built from its slots' values. */
function gather(shape: ValueShape, get: (slot: number) => unknown): unknown {
  if (typeof shape === "number") return get(shape);
  return {
    combinator: get(shape.combinator),
    rules: shape.rules.map((rule) => {
      if ("rules" in rule) return gather(rule, get);
      const out: Record<string, unknown> = { property: get(rule.property), operator: get(rule.operator) };
      if (rule.value !== undefined) out.value = get(rule.value);
      return out;
    }),
  };
}

type FieldName = (slot: number) => string;

/** Checks a search query assembled from the config's query mapping. */
function checkQuery(value: unknown, shape: QueryShape, field: FieldName): SearchQuery {
  const q = value as { combinator: unknown; rules: unknown[] };
  if (q.combinator !== "and" && q.combinator !== "or") {
    throw new FieldProblem(field(shape.combinator), `must be "and" or "or", got ${describe(q.combinator)}`);
  }
  for (const [i, ruleShape] of shape.rules.entries()) {
    const rule = q.rules[i] as Record<string, unknown>;
    if ("rules" in ruleShape) {
      checkQuery(rule, ruleShape, field);
      continue;
    }
    for (const part of ["property", "operator"] as const) {
      if (typeof rule[part] !== "string") {
        throw new FieldProblem(field(ruleShape[part]), `must be a string, got ${describe(rule[part])}`);
      }
    }
  }
  return value as SearchQuery;
}

function entityIdentifier(value: unknown, shape: ValueShape, field: FieldName): string | SearchQuery {
  if (typeof shape !== "number") return checkQuery(value, shape, field);
  if (isQuery(value)) return value;
  const id = typeof value === "number" ? String(value) : value;
  const problem = validateEntityIdentifier(id);
  if (problem) throw new FieldProblem("identifier", problem);
  return id as string;
}

function blueprintIdentifier(value: unknown): string {
  const problem = validateBlueprintIdentifier(value);
  if (problem) throw new FieldProblem("blueprint", problem);
  return value as string;
}

function text(value: unknown, field: string): string | null {
  if (value === null || typeof value === "string") return value as string | null;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  throw new FieldProblem(field, `must be a string, got ${describe(value)}`);
}

function team(value: unknown, shape: ValueShape, field: FieldName): Entity["team"] {
  if (typeof shape !== "number") return checkQuery(value, shape, field);
  if (value === null || typeof value === "string" || isQuery(value)) return value;
  if (Array.isArray(value) && value.every((v) => typeof v === "string")) return value;
  throw new FieldProblem(
    "team",
    `must be a team name, a list of them or a search query, got ${describe(value)}`,
  );
}

type Relation = string | string[] | SearchQuery | null;

/** A relation: a target identifier, a list of them, null, or a search query. */
function target(value: unknown, shape: ValueShape, field: FieldName, name: string): Relation {
  if (typeof shape !== "number") return checkQuery(value, shape, field);
  if (value === null || isQuery(value)) return value;
  const one = (v: unknown): string => {
    const id = typeof v === "number" ? String(v) : v;
    const problem = validateEntityIdentifier(id);
    if (problem) throw new FieldProblem(name, `target ${problem}`);
    return id as string;
  };
  return Array.isArray(value) ? value.map(one) : one(value);
}

function isQuery(value: unknown): value is SearchQuery {
  return typeof value === "object" && value !== null && "combinator" in value && "rules" in value;
}

/** Truthiness as Python sees it, which is what Ocean checks identifier and blueprint with. */
function truthy(value: unknown): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === "") return false;
  if (Array.isArray(value)) return value.length > 0;
  if (typeof value === "object") return Object.keys(value).length > 0;
  return true;
}

function message(error: unknown): string {
  return typeof error === "string" ? error : `${JSON.stringify(error) ?? "null"} (raised by error/1)`;
}

/** A short description of a value for messages: `null`, `an empty string`, `number 42`. */
export function describe(value: unknown): string {
  if (value === undefined || value === null) return "null";
  if (value === "") return "an empty string";
  const json = JSON.stringify(value);
  const shown = json.length > 60 ? `${json.slice(0, 57)}...` : json;
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : `a list ${shown}`;
  if (typeof value === "object")
    return Object.keys(value).length === 0 ? "an empty object" : `an object ${shown}`;
  return `${typeof value} ${shown}`;
}
