/**
 * Ocean's single-quote rewrite. Ocean (`JQEntityProcessor._format_filter`) turns a single
 * quote that opens or closes a string into a double quote before it compiles any jq
 * expression — mapping fields and selectors alike — so configs written for Ocean use
 * `.description // ''` or `'/' + .name`, which plain jq rejects. Tide applies the same
 * regular expression, so that it accepts exactly what Ocean accepts and means the same.
 *
 * The rule, as Ocean writes it (Python `re`, the same in JavaScript):
 * a `'` at the start or after whitespace, not followed by whitespace or `"` (an opening
 * quote), or a `'` not after whitespace or `"` and followed by whitespace or the end (a
 * closing quote). What it therefore leaves alone, as Ocean does: apostrophes inside words
 * (`"it's"`), and quotes next to brackets or commas (`('x')`, `['a','b']`), which stay jq
 * syntax errors. It also rewrites quotes inside a double-quoted string when they stand by
 * whitespace (`"a 'b' c"` becomes `"a "b" c"`) — Ocean does, so Tide does.
 */
const OCEAN_QUOTE = /(^|\s)'(?!\s|")|(?<!\s|")'(\s|$)/g;

/**
 * A jq expression as Ocean compiles it: single-quoted strings become double-quoted.
 *
 * @example
 * withOceanQuotes(".description // ''");   // '.description // ""'
 * withOceanQuotes("'/' + .name");          // '"/" + .name'
 * withOceanQuotes('"it\'s"');              // unchanged
 */
export function withOceanQuotes(expression: string): string {
  return expression.replace(OCEAN_QUOTE, '$1"$2');
}
