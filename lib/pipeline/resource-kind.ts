import { includedFiles } from "../mapping/prepare.ts";
import type { ResourceConfig } from "../mapping/types.ts";
import { withIncludedFiles } from "../source/included-files.ts";
import type { Kind, Source } from "../source/types.ts";

/**
 * The files a resource needs attached to its items: its mapping's `file://` values and its
 * selector's `includedFiles` (Ocean's option for the same thing).
 *
 * @example
 * resourceFiles(resource); // ["README.md", "CODEOWNERS"]
 */
export function resourceFiles(resource: ResourceConfig): string[] {
  const selected = resource.selector.includedFiles;
  const listed = Array.isArray(selected)
    ? selected.filter((p): p is string => typeof p === "string" && p !== "")
    : [];
  return [...new Set([...listed, ...includedFiles(resource)])];
}

/**
 * The kind a resource lists, its items carrying the files the resource reads. Used wherever
 * a resource's items are listed (the fanout, the second look before deleting), so an entity
 * maps the same everywhere.
 */
export function resourceKind(source: Source, kind: Kind, resource: ResourceConfig): Kind {
  return withIncludedFiles(source, kind, resourceFiles(resource));
}
