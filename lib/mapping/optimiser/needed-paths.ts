import { Unsupported } from "./jq-lexer.ts";
import { type Node, type Pattern, parse } from "./jq-parse.ts";

/**
 * Which parts of an item a set of jq expressions can read, so that only those cross into
 * jq: parsing a raw GitHub repository (~5 KB: 80 keys, an `owner` object with 18) costs
 * far more than mapping the dozen fields a mapping uses.
 *
 * Values are tracked as places in the item (`.owner`, `.owner.login`) or "something else".
 * Reading `.login` of place `.owner` needs only that key; any use that could observe more —
 * outputting the value, comparing it, `keys`, `.[]`, `tojson`, `length` — needs the place
 * whole. Built-ins are trusted on a place only from a short list (`select`, `type`, `has`,
 * `first`...) whose result cannot depend on keys they were not told; every other use of a
 * place needs it whole. A use of the whole item itself, or anything not understood, gives
 * `undefined`: keep whole items. Where it is unsure, the analysis needs more, never less.
 *
 * @param whyWhole told why, when whole items are needed (for the fallback's log line).
 * @returns what to keep of each item, or `undefined` when whole items are needed.
 */
export function neededPaths(
  expressions: Iterable<string>,
  whyWhole?: (reason: string) => void,
): KeepPlan | undefined {
  const root = new Place();
  try {
    for (const expression of expressions) {
      const analysis = new Analysis();
      analysis.whole(analysis.eval(parse(expression), { places: new Set([root]), other: false }, GLOBALS));
    }
  } catch (error) {
    if (error instanceof Unsupported || error instanceof WholeItem) {
      whyWhole?.(
        error instanceof Unsupported ? `jq the optimiser does not follow: ${error.message}` : error.message,
      );
      return undefined;
    }
    throw error;
  }
  return root.plan();
}

/**
 * The key of what `.[]` reads of each value of an array or object: every element (or key)
 * stays, each trimmed by this plan. A symbol, so no key of an item can be mistaken for it.
 */
export const EACH: unique symbol = Symbol("each element");

/**
 * Keys to keep; `true` keeps the value whole, a nested plan trims an object value further
 * ({@link EACH}: every value of an array or object, each trimmed).
 */
export type KeepPlan = Map<string | typeof EACH, KeepPlan | true>;

/**
 * Applies a plan to one item. Scalars are kept as they are; arrays too, unless the plan
 * iterates them ({@link EACH}): then every element stays, in order, trimmed.
 */
export function trim(value: unknown, plan: KeepPlan): unknown {
  if (value === null || typeof value !== "object") return value;
  const each = plan.get(EACH);
  if (Array.isArray(value))
    return each === undefined || each === true ? value : value.map((v) => trim(v, each));
  const source = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  if (each !== undefined) {
    // `.[]` yields every value: every key stays, in its order, each value read as an element
    // and by its own name.
    for (const key of Object.keys(source)) {
      const inner = merge(each, plan.get(key));
      out[key] = inner === true ? source[key] : trim(source[key], inner);
    }
    return out;
  }
  for (const [key, inner] of plan) {
    if (typeof key === "string" && Object.hasOwn(source, key))
      out[key] = inner === true ? source[key] : trim(source[key], inner);
  }
  return out;
}

/** What two plans read of one value together. */
function merge(a: KeepPlan | true, b: KeepPlan | true | undefined): KeepPlan | true {
  if (b === undefined) return a;
  if (a === true || b === true) return true;
  const out: KeepPlan = new Map(a);
  for (const [key, inner] of b) {
    const mine = out.get(key);
    out.set(key, mine === undefined ? inner : merge(mine, inner));
  }
  return out;
}

/** A place in the item: a key path from the item itself, with what is needed of it. */
class Place {
  readonly children = new Map<string, Place>();
  isWhole = false;
  readonly isRoot: boolean;

  constructor(isRoot = true) {
    this.isRoot = isRoot;
  }

  /** Each value `.[]` yields of this place (an array's elements, an object's values). */
  each?: Place;

  child(key: string): Place {
    let child = this.children.get(key);
    if (!child) {
      child = new Place(false);
      this.children.set(key, child);
    }
    return child;
  }

  element(): Place {
    this.each ??= new Place(false);
    return this.each;
  }

  plan(): KeepPlan {
    const plan: KeepPlan = new Map(
      [...this.children].map(([key, child]) => [key, child.isWhole ? true : child.plan()]),
    );
    if (this.each) plan.set(EACH, this.each.isWhole ? true : this.each.plan());
    return plan;
  }
}

/** The values an expression may produce: places in the item, and/or anything else. */
interface Values {
  places: ReadonlySet<Place>;
  other: boolean;
}

const OTHER: Values = { places: new Set(), other: true };
const NOTHING: Values = { places: new Set(), other: false };
type Env = ReadonlyMap<string, Values>;
const GLOBALS: Env = new Map([["ENV", OTHER]]);

class WholeItem extends Error {
  override readonly message = "an expression reads the whole item";
}

function union(a: Values, b: Values): Values {
  if (b.places.size === 0) return a.other || !b.other ? a : { places: a.places, other: true };
  return { places: new Set([...a.places, ...b.places]), other: a.other || b.other };
}

function some(v: Values): boolean {
  return v.other || v.places.size > 0;
}

// Built-ins whose result does not depend on unnamed keys of their input. Keyed by name/arity.
const IGNORES_INPUT = new Set([
  "empty/0",
  "error/1",
  "not/0",
  "type/0",
  "now/0",
  "env/0",
  "builtins/0",
  "input_filename/0",
  "input_line_number/0",
  "nan/0",
  "infinite/0",
  "range/1",
  "range/2",
  "range/3",
  "input/0",
  "inputs/0",
  "halt/0",
  "halt_error/0",
  "halt_error/1",
  "isempty/1",
]);
const RETURNS_INPUT = new Set(["select/1", "values/0", "objects/0", "debug/0", "debug/1", "stderr/0"]);
const RETURNS_ARGUMENT = new Set(["first/1", "last/1", "limit/2"]);

class Analysis {
  /** What `node` may output when its input may be `input`. */
  eval(node: Node, input: Values, env: Env): Values {
    switch (node.k) {
      case "id":
        return input;
      case "lit":
        return OTHER;
      case "break":
        return NOTHING;
      case "rec":
      case "fmt":
        return this.#used(input);
      case "str":
        for (const part of node.interps) this.whole(this.eval(part, input, env));
        return OTHER;
      case "key": {
        const base = this.eval(node.base, input, env);
        return { places: new Set([...base.places].map((p) => p.child(node.name))), other: base.other };
      }
      case "index": {
        if (node.args.length === 0) {
          // `.[]`: each value, read further as an element; the item itself iterated is used whole.
          const base = this.eval(node.base, input, env);
          if ([...base.places].some((p) => p.isRoot)) return this.#used(base);
          return { places: new Set([...base.places].map((p) => p.element())), other: base.other };
        }
        for (const arg of node.args) this.whole(this.eval(arg, input, env));
        return this.#used(this.eval(node.base, input, env));
      }
      case "var": {
        // Anything unbound is one of the mapper's own variables, not the user's business.
        const value = env.get(node.name);
        if (!value) throw new Unsupported(`$${node.name}`);
        return value;
      }
      case "arr":
        if (node.body) this.whole(this.eval(node.body, input, env));
        return OTHER;
      case "obj":
        for (const { key, value } of node.entries) {
          if (key) this.whole(this.eval(key, input, env));
          this.whole(this.eval(value, input, env));
        }
        return OTHER;
      case "pipe":
        return this.eval(node.r, this.eval(node.l, input, env), env);
      case "union":
        return union(this.eval(node.l, input, env), this.eval(node.r, input, env));
      case "op":
        this.whole(this.eval(node.l, input, env));
        this.whole(this.eval(node.r, input, env));
        return OTHER;
      case "logic":
        // Only truthiness is used, and an object is truthy whichever keys it keeps.
        this.eval(node.l, input, env);
        this.eval(node.r, input, env);
        return OTHER;
      case "assign":
        // An update outputs its (modified) input, so the input must be whole.
        this.whole(input);
        this.eval(node.l, OTHER, env);
        this.whole(this.eval(node.r, OTHER, env));
        return OTHER;
      case "neg":
        this.whole(this.eval(node.e, input, env));
        return OTHER;
      case "try": {
        const body = this.eval(node.body, input, env);
        return node.handler ? union(body, this.eval(node.handler, OTHER, env)) : body;
      }
      case "if": {
        let out = NOTHING;
        for (const [cond, then] of node.branches) {
          this.eval(cond, input, env);
          out = union(out, this.eval(then, input, env));
        }
        return union(out, node.otherwise ? this.eval(node.otherwise, input, env) : input);
      }
      case "bind":
        return this.eval(node.body, input, this.#bind(env, node.pat, this.eval(node.src, input, env)));
      case "reduce":
        return this.#reduce(node, input, env);
      case "label":
        return this.eval(node.body, input, env);
      case "call":
        return this.#call(node.name, node.args, input, env);
    }
  }

  /** The values are used in a way that may look at all of them. */
  whole(values: Values): void {
    for (const place of values.places) {
      if (place.isRoot) throw new WholeItem();
      place.isWhole = true;
    }
  }

  /** Uses the values whole and gives something derived from them. */
  #used(values: Values): Values {
    this.whole(values);
    return some(values) ? OTHER : NOTHING;
  }

  #reduce(node: Extract<Node, { k: "reduce" }>, input: Values, env: Env): Values {
    const inner = this.#bind(env, node.pat, this.eval(node.src, input, env));
    let state = this.eval(node.init, input, env);
    for (let round = 0; ; round++) {
      const next = union(state, this.eval(node.update, state, inner));
      if (next.other === state.other && next.places.size === state.places.size) break;
      if (round === 3) throw new Unsupported("reduce walks the item");
      state = next;
    }
    if (!node.foreach) return state;
    return node.extract ? this.eval(node.extract, state, inner) : state;
  }

  #bind(env: Env, pat: Pattern, value: Values): Env {
    if (pat.destructure) this.whole(value);
    const next = new Map(env);
    for (const name of pat.vars) next.set(name, pat.destructure ? OTHER : value);
    return next;
  }

  #call(name: string, args: Node[], input: Values, env: Env): Values {
    const signature = `${name}/${args.length}`;
    const [first, second] = args as [Node | undefined, Node | undefined];
    if (signature === "has/1" && first?.k === "lit" && first.text !== undefined) {
      for (const place of input.places) place.child(first.text);
      return OTHER;
    }
    if (IGNORES_INPUT.has(signature)) {
      for (const arg of args) this.whole(this.eval(arg, input, env));
      return signature === "empty/0" || signature === "error/1" ? NOTHING : OTHER;
    }
    if (RETURNS_INPUT.has(signature)) {
      for (const arg of args) this.eval(arg, input, env);
      return input;
    }
    if (RETURNS_ARGUMENT.has(signature) && first) {
      if (!second) return this.eval(first, input, env);
      this.whole(this.eval(first, input, env));
      return this.eval(second, input, env);
    }
    // Any other built-in may look at all of its input (`keys`, `length`, `tojson`, `map`...);
    // its arguments then only see what is derived from a value already kept whole.
    this.whole(input);
    for (const arg of args) this.whole(this.eval(arg, OTHER, env));
    return OTHER;
  }
}
