import { UnknownNameError } from "./errors.ts";
import { githubSource } from "./github/index.ts";
import { httpSource } from "./http/index.ts";
import type { BUILT_IN_SOURCE_NAMES } from "./reference.ts";
import type { SourceDefinition } from "./types.ts";

/** The sources Tide ships, by the name a deployment chooses (`TIDE_SOURCE`, `tide resync --source`). */
export const builtInSources: Readonly<Record<(typeof BUILT_IN_SOURCE_NAMES)[number], SourceDefinition>> &
  Readonly<Record<string, SourceDefinition>> = Object.freeze({
  github: githubSource,
  http: httpSource,
});

/**
 * A built-in source's definition by name.
 *
 * @example
 * const definition = getSourceDefinition("github");
 * const source = definition.create(resolveSettings(definition, process.env));
 * @throws {UnknownNameError} listing the known sources.
 */
export function getSourceDefinition(name: string): SourceDefinition {
  const definition = Object.hasOwn(builtInSources, name) ? builtInSources[name] : undefined;
  if (!definition) throw new UnknownNameError("source", name, Object.keys(builtInSources));
  return definition;
}
