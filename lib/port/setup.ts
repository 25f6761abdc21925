import type { Blueprint } from "./blueprint.ts";
import type { PortClient } from "./client.ts";

export type BlueprintChange = {
  identifier: string;
  action: "created" | "updated" | "unchanged";
  added: string[];
};

/**
 * Creates the blueprints an integration needs, or adds to existing ones what they lack
 * (properties, relations). Idempotent, and it never removes or changes what a user added:
 * a second run reports everything unchanged.
 *
 * @example
 * for (const c of await ensureBlueprints(port, githubDefaults.blueprints)) console.log(c.identifier, c.action);
 */
export async function ensureBlueprints(
  port: PortClient,
  blueprints: readonly Blueprint[],
): Promise<BlueprintChange[]> {
  const changes: BlueprintChange[] = [];
  // In order: a relation's target is created before the blueprint that points at it.
  for (const wanted of blueprints) {
    const current = await port.getBlueprint(wanted.identifier);
    if (!current) {
      await port.createBlueprint(wanted);
      changes.push({ identifier: wanted.identifier, action: "created", added: [] });
      continue;
    }
    const properties = missing(current.schema?.properties, wanted.schema.properties);
    const relations = missing(current.relations, wanted.relations);
    const added = [
      ...Object.keys(properties).map((p) => `property ${p}`),
      ...Object.keys(relations).map((r) => `relation ${r}`),
    ];
    if (added.length === 0) {
      changes.push({ identifier: wanted.identifier, action: "unchanged", added });
      continue;
    }
    await port.patchBlueprint(wanted.identifier, {
      schema: { ...current.schema, properties: { ...current.schema?.properties, ...properties } },
      relations: { ...current.relations, ...relations },
    });
    changes.push({ identifier: wanted.identifier, action: "updated", added });
  }
  return changes;
}

function missing<T>(
  current: Record<string, T> | undefined,
  wanted: Record<string, T> | undefined,
): Record<string, T> {
  return Object.fromEntries(Object.entries(wanted ?? {}).filter(([key]) => !(key in (current ?? {}))));
}
