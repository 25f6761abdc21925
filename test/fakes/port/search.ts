import { type Blueprint, isObject } from "./schema.ts";
import type { EntityBag, StoredEntity } from "./store.ts";

/**
 * Port's entity search as the emulator runs it: rules on meta properties (`$identifier`,
 * `$datasource`, ...) and blueprint properties, nested and/or combinators, `include`, and
 * keyset pagination with an opaque `from` cursor. Anything it does not understand is a 422.
 */

const META = new Set([
  "$identifier",
  "$title",
  "$icon",
  "$blueprint",
  "$team",
  "$datasource",
  "$createdAt",
  "$updatedAt",
  "$createdBy",
  "$updatedBy",
]);
const NEEDS_NO_VALUE = new Set(["isEmpty", "isNotEmpty"]);
const NEEDS_ARRAY = new Set(["in", "notIn", "containsAny"]);
const OPERATORS = new Set([
  "=",
  "!=",
  "in",
  "notIn",
  "contains",
  "doesNotContains",
  "containsAny",
  "beginsWith",
  "doesNotBeginsWith",
  "endsWith",
  "doesNotEndsWith",
  "isEmpty",
  "isNotEmpty",
  ">",
  ">=",
  "<",
  "<=",
  "between",
]);

export const MAX_LIMIT = 1000;
/** Port's document: `limit` defaults to 200. */
export const DEFAULT_LIMIT = 200;

/** Why a query is not one Port would run, or undefined. */
export function queryError(
  query: unknown,
  blueprint: Blueprint | undefined,
  where = "query",
): string | undefined {
  if (!isObject(query)) return `${where} must be an object`;
  if (query.combinator !== "and" && query.combinator !== "or")
    return `${where}.combinator must be "and" or "or"`;
  if (!Array.isArray(query.rules)) return `${where}.rules must be an array`;
  for (const [i, rule] of query.rules.entries()) {
    const at = `${where}.rules[${i}]`;
    if (isObject(rule) && "combinator" in rule) {
      const nested = queryError(rule, blueprint, at);
      if (nested) return nested;
      continue;
    }
    if (!isObject(rule) || typeof rule.property !== "string") return `${at}.property must be a string`;
    const operator = String(rule.operator);
    if (!OPERATORS.has(operator)) return `${at}.operator "${operator}" is not supported`;
    const known = META.has(rule.property) || (blueprint && rule.property in blueprint.schema.properties);
    if (!known) return `${at}.property "${rule.property}" is not a property of this blueprint`;
    if (!NEEDS_NO_VALUE.has(operator) && !("value" in rule)) return `${at}.value is required for ${operator}`;
    if (NEEDS_ARRAY.has(operator) && !Array.isArray(rule.value))
      return `${at}.value must be an array for ${operator}`;
    if (operator === "between" && !(isObject(rule.value) && "from" in rule.value && "to" in rule.value)) {
      return `${at}.value must be {from, to} for between`;
    }
  }
  return undefined;
}

function field(entity: StoredEntity, property: string): unknown {
  switch (property) {
    case "$identifier":
      return entity.identifier;
    case "$title":
      return entity.title;
    case "$icon":
      return entity.icon;
    case "$blueprint":
      return entity.blueprint;
    case "$team":
      return entity.team;
    case "$datasource":
      return entity.datasource;
    case "$createdAt":
      return entity.createdAt;
    case "$updatedAt":
      return entity.updatedAt;
    case "$createdBy":
      return entity.createdBy;
    case "$updatedBy":
      return entity.updatedBy;
    default:
      return entity.properties[property];
  }
}

const isEmpty = (v: unknown) =>
  v === undefined ||
  v === null ||
  v === "" ||
  (Array.isArray(v) && v.length === 0) ||
  (isObject(v) && Object.keys(v).length === 0);
const same = (a: unknown, b: unknown) => a === b || JSON.stringify(a) === JSON.stringify(b);
const comparable = (v: unknown) =>
  typeof v === "string" && !Number.isNaN(Date.parse(v)) ? Date.parse(v) : Number(v);

function ruleMatches(actual: unknown, operator: string, value: unknown): boolean {
  const values = Array.isArray(value) ? value : [value];
  const asList = Array.isArray(actual) ? actual : [actual];
  switch (operator) {
    case "=":
      return Array.isArray(actual) && !Array.isArray(value) ? actual.includes(value) : same(actual, value);
    case "!=":
      return !ruleMatches(actual, "=", value);
    case "in":
    case "containsAny":
      return asList.some((a) => values.some((v) => same(a, v)));
    case "notIn":
      return !ruleMatches(actual, "in", value);
    case "contains":
      return Array.isArray(actual)
        ? values.some((v) => actual.includes(v))
        : typeof actual === "string" && values.some((v) => actual.includes(String(v)));
    case "doesNotContains":
      return !ruleMatches(actual, "contains", value);
    case "beginsWith":
      return typeof actual === "string" && actual.startsWith(String(value));
    case "doesNotBeginsWith":
      return !ruleMatches(actual, "beginsWith", value);
    case "endsWith":
      return typeof actual === "string" && actual.endsWith(String(value));
    case "doesNotEndsWith":
      return !ruleMatches(actual, "endsWith", value);
    case "isEmpty":
      return isEmpty(actual);
    case "isNotEmpty":
      return !isEmpty(actual);
    case ">":
      return !isEmpty(actual) && comparable(actual) > comparable(value);
    case ">=":
      return !isEmpty(actual) && comparable(actual) >= comparable(value);
    case "<":
      return !isEmpty(actual) && comparable(actual) < comparable(value);
    case "<=":
      return !isEmpty(actual) && comparable(actual) <= comparable(value);
    case "between": {
      const { from, to } = value as { from: unknown; to: unknown };
      const at = comparable(actual);
      return !isEmpty(actual) && at >= comparable(from) && at <= comparable(to);
    }
    default:
      return false;
  }
}

/** Whether an entity satisfies a (validated) query. */
export function matchesQuery(entity: StoredEntity, query: Record<string, unknown>): boolean {
  const rules = query.rules as Array<Record<string, unknown>>;
  const test = (rule: Record<string, unknown>) =>
    "combinator" in rule
      ? matchesQuery(entity, rule)
      : ruleMatches(field(entity, String(rule.property)), String(rule.operator), rule.value);
  return query.combinator === "or" ? rules.length === 0 || rules.some(test) : rules.every(test);
}

/** Meta-properties a search's `include`/`exclude` can name, and the response field each is. */
const META_FIELDS: Record<string, string> = {
  $identifier: "identifier",
  $title: "title",
  $icon: "icon",
  $team: "team",
};

/**
 * An entity as Port's API returns it: the fields its document lists for an entity (identifier,
 * title, icon, team, properties, relations; nothing else). With `include`, only the fields named:
 * meta-properties with a `$` (`$identifier`), the blueprint's properties and relations by their
 * ids. A bare `identifier` names a property called identifier, so the entity comes back without
 * its identifier, as Port answers; `exclude` removes fields named the same way.
 */
export function toApiEntity(
  entity: StoredEntity,
  blueprint?: Blueprint,
  fields: { include?: string[]; exclude?: string[] } = {},
): Record<string, unknown> {
  const full: Record<string, unknown> = { identifier: entity.identifier };
  if (entity.title !== undefined) full.title = entity.title;
  if (entity.icon !== undefined) full.icon = entity.icon;
  full.team = entity.team;
  full.properties = entity.properties;
  full.relations = entity.relations;
  const { include, exclude } = fields;
  if (!include && !exclude) return full;
  const named = (list: string[]) => {
    const out: Record<string, unknown> = {};
    const properties: Record<string, unknown> = {};
    const relations: Record<string, unknown> = {};
    for (const key of list) {
      const meta = META_FIELDS[key];
      if (meta !== undefined) {
        if (meta in full) out[meta] = full[meta];
      } else if (blueprint && key in blueprint.schema.properties)
        properties[key] = entity.properties[key] ?? null;
      else if (blueprint && key in blueprint.relations) relations[key] = entity.relations[key] ?? null;
    }
    if (Object.keys(properties).length > 0) out.properties = properties;
    if (Object.keys(relations).length > 0) out.relations = relations;
    return out;
  };
  let out = include ? named(include) : full;
  if (exclude) {
    const drop = named(exclude);
    out = { ...out };
    for (const key of Object.keys(drop)) {
      if (key === "properties" || key === "relations") {
        const bag = { ...(out[key] as Record<string, unknown> | undefined) };
        for (const name of Object.keys(drop[key] as Record<string, unknown>)) delete bag[name];
        out[key] = bag;
      } else delete out[key];
    }
  }
  return out;
}

export type SearchReply = { status: number; body: Record<string, unknown> };

/** One page of `POST /v1/blueprints/{bp}/entities/search`. */
export function searchPage(entities: EntityBag, body: unknown, blueprint: Blueprint): SearchReply {
  const fail = (message: string): SearchReply => ({
    status: 422,
    body: { ok: false, error: "invalid_request", message },
  });
  // The body's shape was checked against Port's document; what follows is Port's own logic.
  if (!isObject(body)) return fail("body must be object");
  const error = queryError(body.query, blueprint);
  if (error) return fail(error);
  const limit = body.limit ?? DEFAULT_LIMIT;
  if (typeof limit !== "number" || !Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    return fail(`limit must be an integer from 1 to ${MAX_LIMIT}`);
  }
  const include = body.include as string[] | undefined;
  const exclude = body.exclude as string[] | undefined;
  let after: string | undefined;
  if (body.from !== undefined) {
    after = decodeCursor(body.from);
    if (after === undefined) return fail("from is not a cursor this API returned");
  }
  const query = body.query as Record<string, unknown>;
  // Keyset pagination over identifiers: stable even when entities are deleted between pages.
  const ids = sortedIdentifiers(entities);
  const page: StoredEntity[] = [];
  let more = false;
  for (let i = after === undefined ? 0 : firstAfter(ids, after); i < ids.length; i++) {
    const entity = entities.get(ids[i] as string);
    if (!entity || !matchesQuery(entity, query)) continue;
    if (page.length === limit) {
      more = true;
      break;
    }
    page.push(entity);
  }
  const last = page.at(-1);
  const reply: Record<string, unknown> = {
    ok: true,
    entities: page.map((e) => toApiEntity(e, blueprint, { include, exclude })),
  };
  if (more && last) reply.next = encodeCursor(last.identifier);
  return { status: 200, body: reply };
}

/** A bag's identifiers in order, sorted again only after identifiers came or went. */
const sorted = new WeakMap<EntityBag, { version: number; ids: string[] }>();

function sortedIdentifiers(bag: EntityBag): string[] {
  const cached = sorted.get(bag);
  if (cached?.version === bag.identifiersVersion) return cached.ids;
  // Code-unit order, as `<` compares: the order the cursor's `after` is compared in.
  const ids = [...bag.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  sorted.set(bag, { version: bag.identifiersVersion, ids });
  return ids;
}

/** The index of the first identifier greater than `after` (binary search). */
function firstAfter(ids: string[], after: string): number {
  let low = 0;
  let high = ids.length;
  while (low < high) {
    const middle = (low + high) >>> 1;
    if ((ids[middle] as string) > after) high = middle;
    else low = middle + 1;
  }
  return low;
}

function encodeCursor(identifier: string): string {
  return Buffer.from(JSON.stringify({ after: identifier })).toString("base64url");
}

function decodeCursor(cursor: unknown): string | undefined {
  if (typeof cursor !== "string") return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as { after?: unknown };
    return typeof parsed.after === "string" ? parsed.after : undefined;
  } catch {
    return undefined;
  }
}
