import { createHash } from "node:crypto";
import { gzipSync } from "node:zlib";
import type { UnchangedPartition } from "../pipeline/run.ts";

/** A group's compressed partitions: under DynamoDB's 400 KB an item, with room for keys. */
export const MAX_GROUP_BYTES = 300 * 1024;

export interface UnchangedGroup {
  resource: number;
  /** Names the group by what it holds: the same partitions recorded again write the same item. */
  digest: string;
  /** The partitions without their resource, as gzipped JSON. */
  packed: Buffer;
  count: number;
}

/**
 * Unchanged partitions in as few items as fit: one group per resource, halved until each
 * fits in `maxBytes` compressed. A partition a memo of which fits in an item fits alone.
 */
export function groupUnchanged(
  partitions: UnchangedPartition[],
  maxBytes = MAX_GROUP_BYTES,
): UnchangedGroup[] {
  const byResource = new Map<number, UnchangedPartition[]>();
  for (const p of partitions) byResource.set(p.resource, [...(byResource.get(p.resource) ?? []), p]);
  const groups: UnchangedGroup[] = [];
  for (const [resource, list] of byResource) {
    // Sorted, so the same partitions make the same digest however they were gathered.
    const sorted = [...new Map(list.map((p) => [p.partition, p])).values()].sort((a, b) =>
      a.partition < b.partition ? -1 : a.partition > b.partition ? 1 : 0,
    );
    split(resource, sorted, maxBytes, groups);
  }
  return groups;
}

function split(resource: number, list: UnchangedPartition[], maxBytes: number, out: UnchangedGroup[]): void {
  const text = JSON.stringify(list.map(({ resource: _, ...p }) => p));
  const packed = gzipSync(text);
  if (packed.length > maxBytes && list.length > 1) {
    const half = Math.ceil(list.length / 2);
    split(resource, list.slice(0, half), maxBytes, out);
    split(resource, list.slice(half), maxBytes, out);
    return;
  }
  const digest = createHash("sha256").update(text).digest("base64url").slice(0, 22);
  out.push({ resource, digest, packed, count: list.length });
}
