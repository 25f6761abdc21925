import type { MapResult, PortAppConfig } from "../mapping/index.ts";
import type { RunMappers } from "./mappers.ts";
import type { IngestBatch } from "./message.ts";

/**
 * Maps the items of several messages with as few jq calls as possible: one call per
 * resource over all its messages' items (a call costs ~1 ms on its own, and a message of
 * pull requests may hold only a page of them), then splits the result back per message.
 * Resources with `itemsToParse` are mapped message by message: their `filtered` count is
 * per element and cannot be split by item.
 */
export async function mapMessages(
  mappers: RunMappers,
  runId: string,
  config: PortAppConfig,
  messages: readonly IngestBatch[],
): Promise<MapResult[]> {
  const results: MapResult[] = new Array(messages.length);
  const byResource = new Map<number, number[]>();
  for (const [i, message] of messages.entries()) {
    const group = byResource.get(message.resource) ?? [];
    group.push(i);
    byResource.set(message.resource, group);
  }
  for (const [resource, indexes] of byResource) {
    const mapper = await mappers.mapper(runId, resource);
    if (indexes.length === 1 || config.resources[resource]?.port.itemsToParse !== undefined) {
      for (const i of indexes) results[i] = await mapper.map((messages[i] as IngestBatch).items);
      continue;
    }
    const items = indexes.flatMap((i) => (messages[i] as IngestBatch).items);
    const all = await mapper.map(items);
    // Item n of the joined list belongs to the message whose range holds n.
    const owner: number[] = [];
    const starts: number[] = [];
    for (const i of indexes) {
      starts[i] = owner.length;
      for (let k = 0; k < (messages[i] as IngestBatch).items.length; k++) owner.push(i);
    }
    for (const i of indexes) results[i] = { entities: [], filtered: 0, skipped: [], failures: [] };
    if (all.fastPathFallbacks)
      (results[indexes[0] as number] as MapResult).fastPathFallbacks = all.fastPathFallbacks;
    const decided = new Set<number>();
    const place = <T extends { itemIndex: number }>(entry: T, pick: (r: MapResult) => T[]) => {
      const i = owner[entry.itemIndex] as number;
      decided.add(entry.itemIndex);
      pick(results[i] as MapResult).push({ ...entry, itemIndex: entry.itemIndex - (starts[i] as number) });
    };
    for (const entity of all.entities) place(entity, (r) => r.entities);
    for (const skip of all.skipped) place(skip, (r) => r.skipped);
    for (const failure of all.failures) place(failure, (r) => r.failures);
    // Without itemsToParse every item ends one way: an entity, skipped, failed, or filtered out.
    for (let n = 0; n < owner.length; n++) {
      if (!decided.has(n)) (results[owner[n] as number] as MapResult).filtered++;
    }
  }
  return results;
}
