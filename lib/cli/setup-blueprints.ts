import type { PortAppConfig } from "../mapping/index.ts";
import type { Blueprint } from "../port/blueprint.ts";

export interface BlueprintChoice {
  /** The default blueprints to create or complete, in the defaults' order (a relation's target first). */
  blueprints: Blueprint[];
  /** Blueprints the mapping writes that are not among the source's defaults: the user creates them. */
  notDefault: string[];
  /** Resources whose blueprint is computed per item (not a literal): named as `kind (#index)`. */
  computed: string[];
}

/**
 * The source's default blueprints that a mapping writes to, with the blueprints their
 * relations point at (a dependabot alert needs githubRepository), so that `tide setup`
 * installs what the mapping uses and nothing else. A blueprint expression is read when it is
 * a jq string literal (`'"githubRepository"'`), as Ocean's mappings write it.
 *
 * @example
 * const { blueprints } = blueprintsForConfig(githubDefaults.blueprints, config);
 */
export function blueprintsForConfig(defaults: readonly Blueprint[], config: PortAppConfig): BlueprintChoice {
  const byId = new Map(defaults.map((b) => [b.identifier, b]));
  const wanted = new Set<string>();
  const notDefault = new Set<string>();
  const computed: string[] = [];
  config.resources.forEach((resource, index) => {
    const id = literalString(resource.port.entity.mappings.blueprint);
    if (id === undefined) computed.push(`${resource.kind} (#${index})`);
    else if (byId.has(id)) wanted.add(id);
    else notDefault.add(id);
  });
  // Relation targets, transitively: Port refuses a relation to a blueprint that does not exist.
  const queue = [...wanted];
  while (queue.length > 0) {
    const blueprint = byId.get(queue.pop() as string);
    for (const relation of Object.values(blueprint?.relations ?? {})) {
      const target = (relation as { target?: unknown }).target;
      if (typeof target === "string" && byId.has(target) && !wanted.has(target)) {
        wanted.add(target);
        queue.push(target);
      }
    }
  }
  return {
    blueprints: defaults.filter((b) => wanted.has(b.identifier)),
    notDefault: [...notDefault],
    computed,
  };
}

/** The value of a jq string literal such as `"githubRepository"`; undefined for anything else. */
function literalString(expression: string): string | undefined {
  const text = expression.trim();
  if (!/^"(?:[^"\\]|\\.)*"$/.test(text) || text.includes("\\(")) return undefined;
  try {
    const value = JSON.parse(text);
    return typeof value === "string" && value !== "" ? value : undefined;
  } catch {
    return undefined;
  }
}
