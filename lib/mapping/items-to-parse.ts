/**
 * `port.itemsToParse` support: which path of the raw item holds the array, so that with
 * `itemsToParseTopLevelTransform` (the default) it can be removed from the copy of the item
 * each element is mapped with, exactly as Ocean does.
 */

const WORD = String.raw`[\p{L}\p{N}_]`;
const PATH = new RegExp(String.raw`^(?:\.${WORD}+|\.\[[^\]]+\])(?:\.${WORD}+|\[[^\]]+\]|\.\[[^\]]+\])*`, "u");
const ROOT_BINDING = new RegExp(String.raw`^\.\s+as\s+\$${WORD}+`, "u");

/**
 * The simple path an `itemsToParse` expression starts from, as Ocean's
 * `extract_jq_deletion_path_revised` finds it: the first segment of the pipe chain (inside
 * a leading parenthesis) that begins with a plain path, skipping `. as $x` and `$x` segments.
 *
 * @example
 * deletionPath(".file.content.raw // []");                 // ".file.content.raw"
 * deletionPath(". as $all | ($all | .items) // {}");      // ".items"
 * deletionPath("[1, 2]");                                  // undefined: nothing to delete
 */
export function deletionPath(itemsToParse: string): string | undefined {
  let chain = itemsToParse.trim();
  if (chain.startsWith("(")) {
    const close = chain.indexOf(")");
    if (close === -1) return undefined;
    chain = chain.slice(1, close).trim();
  }
  for (const raw of chain.split("|")) {
    const segment = raw.trim();
    if (ROOT_BINDING.test(segment) || segment === "." || segment.startsWith("$")) continue;
    const match = PATH.exec(segment);
    if (match) return match[0].trim();
  }
  return undefined;
}
