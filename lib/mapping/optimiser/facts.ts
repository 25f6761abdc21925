import { Unsupported } from "./jq-lexer.ts";
import { type Node, parse } from "./jq-parse.ts";

/**
 * What the mapper learns about an expression by parsing it, to run it cheaper with the same
 * result. When unsure, each answer is the safe one.
 */

/**
 * Whether a jq expression can produce at most one output, so that the mapper may collect it
 * with a plain `[e]` instead of `[first(e)]` (Ocean takes the first output; `first` costs a
 * label and a break per item and field). When unsure: false.
 */
export function atMostOneOutput(expression: string): boolean {
  try {
    return single(parse(expression));
  } catch (error) {
    if (error instanceof Unsupported) return false;
    throw error;
  }
}

/** The expression is a literal (`"githubRepository"`, `5`, `null`): the same value for every item. */
export function isLiteral(expression: string): boolean {
  try {
    return parse(expression).k === "lit" && !expression.includes("$__loc__");
  } catch (error) {
    if (error instanceof Unsupported) return false;
    throw error;
  }
}

/**
 * The keys of a plain path such as `.owner.login` or `."full name"`, which the mapper can
 * read in JavaScript (jq's own semantics: a missing key or null gives null); undefined for
 * anything else.
 */
export function plainPath(expression: string): string[] | undefined {
  if (expression.includes("?")) return undefined; // `.a?` turns errors into no output
  try {
    const keys: string[] = [];
    let node = parse(expression);
    while (node.k === "key") {
      keys.unshift(node.name);
      node = node.base;
    }
    return node.k === "id" && keys.length > 0 ? keys : undefined;
  } catch (error) {
    if (error instanceof Unsupported) return undefined;
    throw error;
  }
}

// Built-ins that collect their arguments' outputs into one result.
const COLLECTING = new Set([
  "map/1",
  "map_values/1",
  "with_entries/1",
  "sort_by/1",
  "group_by/1",
  "unique_by/1",
  "min_by/1",
  "max_by/1",
  "any/1",
  "all/1",
  "any/2",
  "all/2",
  "add/1",
  "first/1",
  "last/1",
  "isempty/1",
  "del/1",
  "to_entries/0",
  "from_entries/0",
]);

// Built-ins with one output per combination of their arguments' outputs.
const ONE_PER_ARGUMENT = new Set([
  "empty/0",
  "error/0",
  "error/1",
  "not/0",
  "type/0",
  "length/0",
  "utf8bytelength/0",
  "keys/0",
  "keys_unsorted/0",
  "values/0",
  "nulls/0",
  "booleans/0",
  "numbers/0",
  "strings/0",
  "arrays/0",
  "objects/0",
  "iterables/0",
  "scalars/0",
  "select/1",
  "has/1",
  "in/1",
  "inside/1",
  "contains/1",
  "add/0",
  "any/0",
  "all/0",
  "min/0",
  "max/0",
  "sort/0",
  "unique/0",
  "reverse/0",
  "flatten/0",
  "flatten/1",
  "tostring/0",
  "tonumber/0",
  "tojson/0",
  "fromjson/0",
  "ascii_downcase/0",
  "ascii_upcase/0",
  "ltrimstr/1",
  "rtrimstr/1",
  "trimstr/1",
  "trim/0",
  "ltrim/0",
  "rtrim/0",
  "startswith/1",
  "endswith/1",
  "test/1",
  "test/2",
  "split/1",
  "split/2",
  "join/1",
  "explode/0",
  "implode/0",
  "index/1",
  "rindex/1",
  "indices/1",
  "floor/0",
  "ceil/0",
  "round/0",
  "sqrt/0",
  "fabs/0",
  "abs/0",
  "todate/0",
  "fromdate/0",
  "fromdateiso8601/0",
  "todateiso8601/0",
  "dateadd/2",
  "strptime/1",
  "strftime/1",
  "mktime/0",
  "gmtime/0",
  "now/0",
  "env/0",
  "getpath/1",
  "transpose/0",
  "ascii/0",
  "infinite/0",
  "nan/0",
  "isinfinite/0",
  "isnan/0",
  "isnormal/0",
  "isvalid/1",
  "toarray/0",
  "pick/1",
  "debug/0",
  "debug/1",
  "stderr/0",
  "input_line_number/0",
]);

function single(node: Node): boolean {
  switch (node.k) {
    case "id":
    case "lit":
    case "fmt":
    case "var":
    case "break":
    case "arr":
      return true;
    case "rec":
      return false;
    case "union":
      return node.op === "//" && single(node.l) && single(node.r);
    case "str":
      return node.interps.every(single);
    case "key":
      return single(node.base);
    case "index":
      return node.args.length > 0 && single(node.base) && node.args.every(single);
    case "obj":
      return node.entries.every(({ key, value }) => (!key || single(key)) && single(value));
    case "pipe":
    case "op":
    case "logic":
      return single(node.l) && single(node.r);
    case "neg":
      return single(node.e);
    case "try":
      return single(node.body) && (!node.handler || single(node.handler));
    case "if":
      return (
        node.branches.every(([c, t]) => single(c) && single(t)) && (!node.otherwise || single(node.otherwise))
      );
    case "bind":
      return single(node.src) && single(node.body);
    case "label":
      return single(node.body);
    case "call": {
      const signature = `${node.name}/${node.args.length}`;
      if (COLLECTING.has(signature)) return true;
      return ONE_PER_ARGUMENT.has(signature) && node.args.every(single);
    }
    default:
      return false;
  }
}
