import { withOceanQuotes } from "./ocean-quotes.ts";
import { fileExpression, filePath, prefixProblem } from "./prefixes.ts";
import { expressionsOf } from "./program.ts";
import type { JqExpression, ResourceConfig, SearchQueryMapping } from "./types.ts";

/**
 * A resource's expressions as jq will compile them, the one step every compile path (the
 * mapper, `tide map`, `tide validate`, live events) goes through: Ocean's single-quote
 * rewrite on every expression, and each `file://PATH` value replaced by the jq that reads the
 * file the source attached to the item.
 */
export function prepareResource(resource: ResourceConfig): ResourceConfig {
  const field = (e: JqExpression): JqExpression => {
    const path = filePath(e);
    return path === undefined ? withOceanQuotes(e) : fileExpression(path);
  };
  const value = (v: JqExpression | SearchQueryMapping) => (typeof v === "string" ? field(v) : query(v));
  const query = (q: SearchQueryMapping): SearchQueryMapping => ({
    combinator: field(q.combinator),
    rules: q.rules.map((rule) =>
      "rules" in rule
        ? query(rule)
        : {
            property: field(rule.property),
            operator: field(rule.operator),
            ...(rule.value === undefined ? {} : { value: field(rule.value) }),
          },
    ),
  });
  const m = resource.port.entity.mappings;
  const { itemsToParse } = resource.port;
  return {
    ...resource,
    selector: { ...resource.selector, query: withOceanQuotes(resource.selector.query) },
    port: {
      ...resource.port,
      ...(itemsToParse === undefined ? {} : { itemsToParse: withOceanQuotes(itemsToParse) }),
      entity: {
        mappings: {
          identifier: value(m.identifier),
          blueprint: field(m.blueprint),
          ...(m.title === undefined ? {} : { title: field(m.title) }),
          ...(m.icon === undefined ? {} : { icon: field(m.icon) }),
          ...(m.team === undefined ? {} : { team: value(m.team) }),
          properties: Object.fromEntries(Object.entries(m.properties).map(([k, e]) => [k, field(e)])),
          relations: Object.fromEntries(Object.entries(m.relations).map(([k, e]) => [k, value(e)])),
        },
      },
    },
  };
}

/** The value prefixes a resource cannot use (`search://`, `file://` in a selector), with their paths. */
export function prefixProblems(resource: ResourceConfig): Array<{ path: PropertyKey[]; message: string }> {
  return expressionsOf(resource).flatMap(({ path, expression }) => {
    const where =
      path[0] === "selector" ? "selector" : path[1] === "itemsToParse" ? "itemsToParse" : "mapping";
    const message = prefixProblem(expression, where);
    return message === undefined ? [] : [{ path, message }];
  });
}

/**
 * The repository files a resource's mapping reads with `file://` values, for the source to
 * attach to each item.
 *
 * @example
 * includedFiles(resource); // ["README.md", "CODEOWNERS"]
 */
export function includedFiles(resource: ResourceConfig): string[] {
  const paths = expressionsOf(resource).flatMap(({ path, expression }) => {
    const file = path[0] === "port" && path[1] === "entity" ? filePath(expression) : undefined;
    return file ? [file] : [];
  });
  return [...new Set(paths)];
}
