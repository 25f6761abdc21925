import { UnknownNameError } from "./errors.ts";
import type { Kind, Source } from "./types.ts";

function asMap(kinds: Source["kinds"]): ReadonlyMap<string, Kind> {
  return kinds instanceof Map ? kinds : new Map(Object.entries(kinds as Readonly<Record<string, Kind>>));
}

/** The names of a source's kinds (an open-ended source's `kind()` may know more). */
export function kindNames(source: Source): string[] {
  return [...asMap(source.kinds).keys()];
}

/** A source's kind by name, or `undefined` when it has none of that name. */
export function findKind(source: Source, name: string): Kind | undefined {
  return source.kind?.(name) ?? asMap(source.kinds).get(name);
}

/**
 * A source's kind by name, as a port-app-config resource names it.
 *
 * @example
 * const pulls = getKind(source, "pull-request");
 * @throws {UnknownNameError} listing the kinds the source has.
 */
export function getKind(source: Source, name: string): Kind {
  const kind = findKind(source, name);
  if (!kind) throw new UnknownNameError(`kind of the ${source.name} source:`, name, kindNames(source));
  return kind;
}
