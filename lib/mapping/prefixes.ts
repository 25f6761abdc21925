/**
 * Value prefixes: a mapping value such as `file://README.md` is not jq but an instruction to
 * the integration (Ocean's GitHub, GitLab and Azure DevOps integrations read `file://` as
 * "the content of this file in the entity's repository"; GitLab also has `search://`).
 *
 * Tide supports `file://` through the source's `readFile` capability: the files a resource
 * names are read while the source is listed and attached to each raw item as
 * `__includedFiles` (Ocean's name for the same data, from its `includedFiles` selector), so
 * a `file://PATH` value maps as `.__includedFiles["PATH"]` — the same in Lambda, locally and
 * in tests, and the ingest never needs the source. Any other prefix is rejected when the
 * config is checked, naming the prefix, rather than failing as a jq syntax error.
 */

import { INCLUDED_FILES } from "../source/included-files.ts";

/** `scheme://` at the start of a value: never valid jq (`x:` does not parse), so always a prefix. */
const PREFIX = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;

export const FILE_PREFIX = "file://";

/** The prefix of a value (`file://`, `search://`), or undefined for a jq expression. */
export function valuePrefix(value: string): string | undefined {
  const match = PREFIX.exec(value.trim());
  return match ? `${match[1]}://` : undefined;
}

/** The repository path a `file://` value names, or undefined when the value is not one. */
export function filePath(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed.startsWith(FILE_PREFIX) ? trimmed.slice(FILE_PREFIX.length) : undefined;
}

/** The jq expression a `file://PATH` value stands for. */
export function fileExpression(path: string): string {
  return `.${INCLUDED_FILES}[${JSON.stringify(path)}]`;
}

/**
 * Why a value with a prefix cannot be used in `field`, or undefined when it can (a jq
 * expression, or `file://` in an entity field).
 *
 * @example
 * prefixProblem("search://scope=blobs&&query=x", "properties.x"); // "value prefix search:// is not supported …"
 */
export function prefixProblem(
  value: string,
  field: "mapping" | "selector" | "itemsToParse",
): string | undefined {
  const prefix = valuePrefix(value);
  if (prefix === undefined) return undefined;
  if (prefix === FILE_PREFIX) {
    if (field === "mapping")
      return filePath(value) === "" ? "file:// needs a path, e.g. file://README.md" : undefined;
    return `value prefix file:// is only supported in entity mappings, not in ${field === "selector" ? "selector.query" : "itemsToParse"}`;
  }
  return `value prefix ${prefix} is not supported (Tide supports file:// only; see "Differences from Ocean")`;
}
