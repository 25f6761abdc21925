import { partitionKey } from "./ids.ts";
import type { BatchRecord, UnchangedPartition } from "./run.ts";

/** The batch an unchanged partition is counted as: never the id of a page's batch. */
export function unchangedBatchId(resource: number, partition: string): string {
  return `${resource}:${partitionKey(partition)}:unchanged`;
}

/** An unchanged partition as the settled batch the tally counts. */
export function unchangedBatch(p: UnchangedPartition): BatchRecord {
  return {
    batch: unchangedBatchId(p.resource, p.partition),
    resource: p.resource,
    state: "done",
    items: p.items,
    entities: 0,
    unchanged: p.unchanged,
    filtered: p.filtered,
    failures: [],
    failureCount: 0,
    seen: p.seen,
  };
}
