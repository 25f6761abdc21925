import { type ConfigIssue, formatPath } from "./errors.ts";

/**
 * Keys under `resources[]` that Ocean's schema does not have. Ocean (pydantic) ignores them,
 * so an Ocean user's config may carry some (old options, notes, typos): Tide ignores them too,
 * but says so, naming each key, its path and line — a typo such as `identifer` is then easy
 * to find. Selector options and the names under `properties`/`relations` are free keys.
 */

const FIELDS = {
  resource: ["kind", "selector", "port"],
  port: ["entity", "itemsToParse", "itemsToParseName", "itemsToParseTopLevelTransform"],
  entity: ["mappings"],
  mappings: ["identifier", "title", "blueprint", "icon", "team", "properties", "relations"],
  query: ["combinator", "rules"],
  rule: ["property", "operator", "value"],
} as const;

type Shape = keyof typeof FIELDS;

/**
 * Every unknown key under `resources[]` of a raw (not yet validated) config, as warnings.
 *
 * @example
 * unknownKeys(yamlValue, lineOf);
 * // [{ path: "resources[0].port.entity.mappings.identifer", line: 9,
 * //    message: "unknown key, ignored as Ocean does (did you mean identifier?)" }]
 */
export function unknownKeys(
  config: unknown,
  lineOf: (path: ReadonlyArray<PropertyKey>) => number | undefined,
): ConfigIssue[] {
  const found: ConfigIssue[] = [];
  const visit = (value: unknown, shape: Shape, path: PropertyKey[]): void => {
    if (!isPlainObject(value)) return;
    const known: readonly string[] = FIELDS[shape];
    for (const key of Object.keys(value)) {
      if (known.includes(key)) continue;
      const at = [...path, key];
      found.push({
        path: formatPath(at),
        line: lineOf(at),
        message: `unknown key, ignored as Ocean does${suggest(key, known)}`,
      });
    }
    const child = (key: string, childShape: Shape): void => visit(value[key], childShape, [...path, key]);
    if (shape === "resource") child("port", "port");
    else if (shape === "port") child("entity", "entity");
    else if (shape === "entity") child("mappings", "mappings");
    else if (shape === "mappings") {
      child("identifier", "query");
      child("team", "query");
      const relations = value.relations;
      if (isPlainObject(relations))
        for (const name of Object.keys(relations))
          visit(relations[name], "query", [...path, "relations", name]);
    } else if (shape === "query" && Array.isArray(value.rules)) {
      for (const [i, rule] of value.rules.entries()) {
        const isQuery = isPlainObject(rule) && ("combinator" in rule || "rules" in rule);
        visit(rule, isQuery ? "query" : "rule", [...path, "rules", i]);
      }
    }
  };
  const resources = isPlainObject(config) ? config.resources : undefined;
  if (Array.isArray(resources))
    for (const [i, resource] of resources.entries()) visit(resource, "resource", ["resources", i]);
  return found;
}

function suggest(key: string, candidates: readonly string[]): string {
  const close = candidates.find((c) => distance(c.toLowerCase(), key.toLowerCase()) <= 2);
  return close ? ` (did you mean ${close}?)` : ` (known: ${candidates.join(", ")})`;
}

/** Levenshtein distance, for "did you mean"; a dozen lines do not warrant a dependency. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] ?? 0;
      row[j] = Math.min(above + 1, (row[j - 1] ?? 0) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] ?? 0;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
