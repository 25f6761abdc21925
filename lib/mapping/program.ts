import { deletionPath } from "./items-to-parse.ts";
import { embed, PRELUDE } from "./jq.ts";
import type { ResourceConfig, SearchQueryMapping } from "./types.ts";

/**
 * Compiles one resource's whole mapping — selector, itemsToParse and every field — into jq
 * programs that each run once over a whole batch, because a jq call costs ~1 ms by itself.
 *
 * Input: the batch's items as newline-separated JSON texts. Output: one line per item:
 *   - `0`                  the selector said false
 *   - `[v0, v1, ...]`      fast program: one value per slot with a `position` (not constants
 *                          nor plain paths, which JavaScript reads), bare when the slot is
 *                          `bare`, else `[value]` (`[]` when jq gave no output)
 *   - `"slow"`             fast program: this item raised an error; map it with the slow one
 *   - `{"f": [r0, ...]}`   slow program: per non-constant slot `[value]`, `[]`, or `{"e": message}`
 *   - `{"s": [v] | {e}}`   slow program: the selector gave a non-boolean, nothing, or an error
 *   - with itemsToParse: `{"p": [one of the above per element]}`, `{"pe": message}` or `{"pn": type}`
 *
 * A `try` around each field of every item would cost more than the fields themselves, so
 * the fast program has one `try` per item, and only items that raised an error go through
 * the slow program, whose failure names the field and jq's message. Two programs rather
 * than one with both paths: jq compiles the program on every call, and the smaller the
 * program, the smaller that fixed cost.
 */

/** One jq expression of the mapping. */
export interface Slot {
  /** Where it is in the resource config, e.g. `["port", "entity", "mappings", "properties", "url"]`. */
  path: PropertyKey[];
  /** How failures name it, e.g. `properties.url`. */
  field: string;
  expression: string;
  /** For a literal (`'"githubRepository"'`): its value, computed once instead of per item. */
  constant?: { value: unknown };
  /** For a plain path (`.owner.login`): its keys; the fast path reads it in JavaScript, not jq. */
  keys?: string[];
  /** Position in the fast program's results; unset for constants and plain paths. */
  position?: number;
  /** On the fast path the value is given as is, not as `[value]` (the expression has one output at most). */
  bare?: boolean;
  /** Position in the slow program's results; unset for constants. */
  slowPosition?: number;
}

/** A slot index, or a search query whose leaves are slot indexes. */
export type ValueShape = number | QueryShape;
export interface QueryShape {
  combinator: number;
  rules: Array<QueryShape | RuleShape>;
}
export interface RuleShape {
  property: number;
  operator: number;
  value?: number;
}

/** Where each part of the entity comes from. */
export interface EntityShape {
  identifier: ValueShape;
  blueprint: number;
  title?: number;
  icon?: number;
  team?: ValueShape;
  properties: Array<[string, number]>;
  relations: Array<[string, ValueShape]>;
}

/** What the fast program gives for an item (or element) that needs the slow program. */
export const SLOW = "slow";

export interface ResourceProgram {
  /** Maps every item; gives {@link SLOW} for those whose mapping raised an error. */
  fast: string;
  /** Maps an item with a `try` around each field, to say which failed and why. */
  slow: string;
  slots: Slot[];
  shape: EntityShape;
  /** The resource's `itemsToParse`, as written, to name it when an item's gives no array. */
  itemsToParse?: string;
}

/** What the builder needs to know about an expression (found by compiling and parsing it). */
export interface ExpressionFacts {
  /** Its value, when it is a literal. */
  constant(expression: string): { value: unknown } | undefined;
  /** Whether it has one output at most, so `first` is not needed. */
  atMostOne(expression: string): boolean;
  /** Its keys, when it is a plain path. */
  plainPath(expression: string): string[] | undefined;
}

const MAPPINGS = ["port", "entity", "mappings"];

/** Every jq expression of a resource: the selector, each mapping leaf, and itemsToParse. */
export function expressionsOf(resource: ResourceConfig): Slot[] {
  const { slots } = mappingSlots(resource, {
    constant: () => undefined,
    atMostOne: () => false,
    plainPath: () => undefined,
  });
  const selector = {
    path: ["selector", "query"],
    field: "selector.query",
    expression: resource.selector.query,
  };
  const all = [selector, ...slots];
  const { itemsToParse } = resource.port;
  if (itemsToParse !== undefined) {
    all.push({ path: ["port", "itemsToParse"], field: "itemsToParse", expression: itemsToParse });
  }
  return all;
}

export function buildProgram(resource: ResourceConfig, facts: ExpressionFacts): ResourceProgram {
  const { slots, shape } = mappingSlots(resource, facts);
  const { itemsToParse, itemsToParseName, itemsToParseTopLevelTransform } = resource.port;
  const evaluated = slots.filter((s) => !s.constant);
  for (const [i, s] of evaluated.entries()) {
    s.slowPosition = i;
    // Paths are read in JavaScript from the raw item, which with itemsToParse is not what jq sees.
    const keys = itemsToParse === undefined ? facts.plainPath(s.expression) : undefined;
    if (keys) s.keys = keys;
  }
  const dynamic = evaluated.filter((s) => !s.keys);
  for (const [i, s] of dynamic.entries()) {
    s.position = i;
    s.bare = facts.atMostOne(s.expression);
  }
  const collect = (e: string) => (facts.atMostOne(e) ? `[${embed(e)}]` : `[first${embed(e)}]`);
  const guarded = (e: string) => `(try ${collect(e)} catch {e: .})`;
  const selector = resource.selector.query;
  const selected = (value: (e: string) => string, fields: string, otherwise: string) =>
    selector.trim() === "true"
      ? fields
      : `${value(selector)} as $__tide_s | if $__tide_s == [true] then ${fields} ` +
        `elif $__tide_s == [false] then 0 else ${otherwise} end`;

  // Fast: expressions with one output at most go in bare, and the array's length proves that
  // each gave exactly one; anything else (no output, an error, a non-boolean selector) gives
  // the marker SLOW, and the item goes through the slow program, a `try` around each field.
  const fastFields =
    `[${dynamic.map((s) => (s.bare ? embed(s.expression) : collect(s.expression))).join(", ")}] ` +
    `| if length == ${dynamic.length} then . else error(null) end`;
  const fast = `(try (${selected(collect, `(${fastFields})`, "error(null)")}) catch ${JSON.stringify(SLOW)})`;
  const slowFields = `{f: [${evaluated.map((s) => guarded(s.expression)).join(", ")}]}`;
  const slow = `(${selected(guarded, slowFields, "{s: $__tide_s}")})`;

  if (itemsToParse === undefined)
    return { fast: `${PRELUDE}\n${fast}`, slow: `${PRELUDE}\n${slow}`, slots, shape };

  const path = itemsToParseTopLevelTransform ? deletionPath(itemsToParse) : undefined;
  const base = path ? `(try ($__tide_top | del(${path})) catch $__tide_top)` : "$__tide_top";
  const name = JSON.stringify(itemsToParseName);
  const perItem = (perEntity: string) => `${PRELUDE}
. as $__tide_top | ${guarded(itemsToParse)} as $__tide_p
| if ($__tide_p | type) == "object" then {pe: $__tide_p.e}
  elif ($__tide_p[0] | type) != "array" then {pn: ($__tide_p[0] | type)}
  else ${base} as $__tide_base
    | {p: [$__tide_p[0][] | (try ($__tide_base + {${name}: .}) catch {${name}: .}) | ${perEntity}]}
  end`;
  return { fast: perItem(fast), slow: perItem(slow), slots, shape, itemsToParse };
}

function mappingSlots(
  resource: ResourceConfig,
  facts: ExpressionFacts,
): { slots: Slot[]; shape: EntityShape } {
  const slots: Slot[] = [];
  const add = (field: string, path: PropertyKey[], expression: string): number => {
    const constant = facts.constant(expression);
    slots.push({ path: [...MAPPINGS, ...path], field, expression, ...(constant ? { constant } : {}) });
    return slots.length - 1;
  };
  const value = (field: string, path: PropertyKey[], mapping: string | SearchQueryMapping): ValueShape =>
    typeof mapping === "string" ? add(field, path, mapping) : query(field, path, mapping);
  const query = (field: string, path: PropertyKey[], q: SearchQueryMapping): QueryShape => ({
    combinator: add(`${field}.combinator`, [...path, "combinator"], q.combinator),
    rules: q.rules.map((rule, i) => {
      const at = `${field}.rules[${i}]`;
      const rulePath = [...path, "rules", i];
      if ("rules" in rule) return query(at, rulePath, rule);
      const shape: RuleShape = {
        property: add(`${at}.property`, [...rulePath, "property"], rule.property),
        operator: add(`${at}.operator`, [...rulePath, "operator"], rule.operator),
      };
      if (rule.value !== undefined) shape.value = add(`${at}.value`, [...rulePath, "value"], rule.value);
      return shape;
    }),
  });

  const m = resource.port.entity.mappings;
  const shape: EntityShape = {
    identifier: value("identifier", ["identifier"], m.identifier),
    blueprint: add("blueprint", ["blueprint"], m.blueprint),
    properties: Object.entries(m.properties).map(([k, e]) => [
      k,
      add(`properties.${k}`, ["properties", k], e),
    ]),
    relations: Object.entries(m.relations).map(([k, e]) => [k, value(`relations.${k}`, ["relations", k], e)]),
  };
  if (m.title !== undefined) shape.title = add("title", ["title"], m.title);
  if (m.icon !== undefined) shape.icon = add("icon", ["icon"], m.icon);
  if (m.team !== undefined) shape.team = value("team", ["team"], m.team);
  return { slots, shape };
}
