import type { PortAppConfig } from "../mapping/index.ts";
import type { RunRecord } from "./run.ts";
import type { Tally } from "./tally.ts";

/**
 * The blueprints this run may delete from: those its resources write, found from the
 * mapping (a literal blueprint) or from what it wrote. A partial run (`--kinds`) leaves out
 * any blueprint that a resource outside the run also writes, as it cannot know those entities.
 */
export function deletableBlueprints(
  config: PortAppConfig,
  run: RunRecord,
  tally: Pick<Tally, "seen">,
): string[] {
  const covered = new Set(run.resources);
  const mine = new Set<string>(tally.seen.keys());
  const others = new Set<string>();
  for (const [index, resource] of config.resources.entries()) {
    const literal = literalBlueprint(resource.port.entity.mappings.blueprint);
    if (covered.has(index)) {
      if (literal) mine.add(literal);
    } else if (!literal) {
      return [];
    } else {
      others.add(literal);
    }
  }
  return [...mine].filter((blueprint) => !others.has(blueprint)).sort();
}

/** Every blueprint the config writes (literal ones) or the run wrote: where kept entities live. */
export function writtenBlueprints(config: PortAppConfig, tally: Pick<Tally, "seen">): string[] {
  const all = new Set<string>(tally.seen.keys());
  for (const resource of config.resources) {
    const literal = literalBlueprint(resource.port.entity.mappings.blueprint);
    if (literal) all.add(literal);
  }
  return [...all].sort();
}

/** `'"githubRepository"'` in YAML is the jq string literal "githubRepository". */
export function literalBlueprint(expression: string): string | undefined {
  return /^\s*"([^"\\]+)"\s*$/.exec(expression)?.[1];
}
