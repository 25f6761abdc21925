import { NAMING_FIELDS } from "./item-key.ts";
import { compileResource } from "./mapper.ts";
import { type KeepPlan, neededPaths, trim } from "./optimiser/needed-paths.ts";
import { fastPathEnabled } from "./optimiser/switch.ts";
import { prepareResource } from "./prepare.ts";
import { expressionsOf } from "./program.ts";
import type { MapResult, PortAppConfig, ResourceConfig } from "./types.ts";

/**
 * What of a raw item travels to the ingest: the parts the resource's mapping can read (every
 * jq expression: selector, identifier, properties, relations, `file://` values as the
 * included files they read) and the fields that name an item in a failure report. A pull
 * request is ~14 KB raw and ~0.5 KB to Ocean's mapping, so a message carries ~25× more items
 * and an ingest delivery fills its Port requests (20 entities each).
 *
 * `undefined` (send items whole) when the mapping reads the whole item or jq the optimiser
 * does not follow, when the resource has `itemsToParse` (its expressions read `.item`, the
 * element, merged into the raw item: a path there is not a path of the raw item), and when
 * `TIDE_JQ_FAST_PATH=off` asks for the plain way throughout.
 *
 * @example
 * const keep = messageKeep(config.resources[0]);
 * const items = keep ? trimItems(page.items, keep) : page.items;
 */
export function messageKeep(resource: ResourceConfig): KeepPlan | undefined {
  if (!fastPathEnabled() || resource.port.itemsToParse !== undefined) return undefined;
  const plan = neededPaths(expressionsOf(prepareResource(resource)).map((slot) => slot.expression));
  if (!plan) return undefined;
  // Failures name items by these fields (`itemKey`): kept whole, they are small scalars.
  for (const field of NAMING_FIELDS) plan.set(field, true);
  return plan;
}

/** Each item as `keep` trims it (objects only; anything else travels as it is). */
export function trimItems(items: readonly unknown[], keep: KeepPlan): unknown[] {
  return items.map((item) => trim(item, keep));
}

/**
 * Whether items trimmed by `keep` map exactly as the whole items do (entities, filtered,
 * skipped, failures): asked of a resource's first page, so a mistake of the path analysis
 * costs speed (whole items from then on), never a value in Port. The ingest can no longer
 * compare against whole items itself once they are trimmed before it.
 */
export async function keepAgrees(
  config: PortAppConfig,
  resource: number,
  items: readonly unknown[],
  keep: KeepPlan,
): Promise<boolean> {
  const mapper = await compileResource(config, resource);
  const [whole, trimmed] = [await mapper.map(items), await mapper.map(trimItems(items, keep))];
  return JSON.stringify(comparable(whole)) === JSON.stringify(comparable(trimmed));
}

function comparable({ entities, filtered, skipped, failures }: MapResult) {
  return { entities, filtered, skipped, failures };
}

export type { KeepPlan };
