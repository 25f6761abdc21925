import { createHash } from "node:crypto";
import type { PortAppConfig, ResourceConfig } from "../mapping/index.ts";
import type { PageValidator } from "../source/types.ts";
import type { PartitionMemo, PartitionMemos, RunStore } from "./contracts/index.ts";
import { partitionKey } from "./ids.ts";
import type { RunRecord } from "./run.ts";

/**
 * Partition memos: what lets an unchanged resync skip a partition whose pages the source says
 * are unchanged (GitHub: every page answers 304 to `If-None-Match`). The fanout asks before
 * reading a partition (`unchanged-partitions.ts`); reconciliation of a run without failures
 * writes the memos of the partitions it read in full ({@link rememberPartitions}).
 */

/** Partitions with more pages than this are read every time (their validators would not be small). */
export const MAX_MEMO_PAGES = 100;

/** The memo scope of a resource: its kind and its whole config, so a changed mapping starts afresh. */
export function memoScope(resource: ResourceConfig): string {
  const digest = createHash("sha256").update(JSON.stringify(resource)).digest("base64url").slice(0, 16);
  return `${resource.kind}#${digest}`;
}

/** The validators a partition's pages gave so far; undefined once a page gave none (or too many pages). */
export function addValidator(
  so: PageValidator[] | undefined,
  validator: PageValidator | undefined,
): PageValidator[] | undefined {
  if (!so || !validator || so.length >= MAX_MEMO_PAGES) return undefined;
  return [...so, validator];
}

/**
 * After a run without failures: a memo for every partition read in full with validators,
 * from its batches' identifiers. A partition any of whose batches failed, waited for a related
 * entity, or was left unsettled gets none (and keeps its old one, which its pages no longer
 * match). Returns how many memos were written.
 */
export async function rememberPartitions(
  deps: { memos: PartitionMemos; store: Pick<RunStore, "getCheckpoints" | "listBatches"> },
  run: RunRecord,
  config: PortAppConfig,
): Promise<number> {
  const read = new Map<string, { resource: number; partition: string; validators: PageValidator[] }>();
  for (const resource of run.resources) {
    for (const c of await deps.store.getCheckpoints(run.runId, resource)) {
      if (c.done && c.validators && c.validators.length > 0)
        read.set(`${resource}:${partitionKey(c.partition)}`, {
          resource,
          partition: c.partition,
          validators: c.validators,
        });
    }
  }
  if (read.size === 0) return 0;
  const memos = new Map<string, PartitionMemo & { clean: boolean }>();
  for await (const batch of deps.store.listBatches(run.runId)) {
    const owner = batch.batch.slice(0, batch.batch.lastIndexOf(":"));
    // An earlier memo recorded (before a crash) is not what the pages hold now.
    if (!read.has(owner) || batch.batch.endsWith(":unchanged")) continue;
    const memo = memos.get(owner) ?? { validators: [], seen: {}, items: 0, filtered: 0, clean: true };
    memos.set(owner, memo);
    if (batch.state !== "done" || batch.failureCount > 0 || (batch.deferred?.length ?? 0) > 0)
      memo.clean = false;
    memo.items += batch.items;
    memo.filtered += batch.filtered;
    for (const [blueprint, ids] of Object.entries(batch.seen))
      memo.seen[blueprint] = [...(memo.seen[blueprint] ?? []), ...ids];
  }
  const byScope = new Map<string, Array<{ partition: string } & PartitionMemo>>();
  for (const [owner, { resource, partition, validators }] of read) {
    // A partition with no items sent no batch: its memo says so, and is just as useful.
    const memo = memos.get(owner) ?? { validators: [], seen: {}, items: 0, filtered: 0, clean: true };
    const spec = config.resources[resource];
    if (!spec || !memo.clean) continue;
    const scope = memoScope(spec);
    const list = byScope.get(scope) ?? [];
    byScope.set(scope, list);
    list.push({ partition, validators, seen: memo.seen, items: memo.items, filtered: memo.filtered });
  }
  let written = 0;
  for (const [scope, list] of byScope) {
    await deps.memos.put(run.integrationId, scope, list);
    written += list.length;
  }
  return written;
}
