import type { ResourceConfig } from "../mapping/index.ts";
import type { Kind } from "../source/types.ts";
import type { PartitionMemo, PartitionMemos, RunStore } from "./contracts/index.ts";
import { memoScope } from "./memo.ts";
import type { RunRecord, UnchangedPartition } from "./run.ts";

/** Unchanged partitions recorded together: a write per this many, not one each. */
export const GROUP_PARTITIONS = 100;
/**
 * …or per this long: what a crash can lose (those partitions are asked about again), while a
 * write rounds up to whole kilobytes (fewer, fuller groups waste less).
 */
export const GROUP_INTERVAL_MS = 5_000;

export interface UnchangedDeps {
  memos: PartitionMemos;
  store: Pick<RunStore, "recordUnchanged">;
}

/**
 * One resource's partitions the source says are unchanged since their memos: the memos of
 * listed partitions read ahead, many in one request, and the skipped partitions recorded in
 * groups ({@link RunStore.recordUnchanged}), which are also their checkpoints: a partition is
 * done for a continuation once its group is written, and not before (a crash before the write
 * only makes the partition be asked again).
 */
export class UnchangedPartitions {
  readonly #deps: UnchangedDeps;
  readonly #run: RunRecord;
  readonly #resource: number;
  readonly #scope: string;
  /** The source's answer: are a partition's pages what these validators say? */
  readonly #same: NonNullable<Kind["unchanged"]>;
  /** Memos being read ahead, per partition; taken when the partition is asked about. */
  readonly #ahead = new Map<string, Promise<PartitionMemo | undefined>>();
  #buffer: UnchangedPartition[] = [];
  #bufferedAt = 0;
  readonly #writing = new Set<Promise<void>>();

  /** Undefined when nothing can be skipped: no memos, a kind without validators, a full rewrite. */
  static for(
    deps: { memos?: PartitionMemos | undefined; store: UnchangedDeps["store"] },
    run: RunRecord,
    resource: number,
    spec: ResourceConfig,
    kind: Kind,
  ): UnchangedPartitions | undefined {
    if (!deps.memos || !kind.unchanged || run.fullRewrite) return undefined;
    const same = kind.unchanged.bind(kind);
    return new UnchangedPartitions({ memos: deps.memos, store: deps.store }, run, resource, spec, same);
  }

  private constructor(
    deps: UnchangedDeps,
    run: RunRecord,
    resource: number,
    spec: ResourceConfig,
    same: NonNullable<Kind["unchanged"]>,
  ) {
    this.#deps = deps;
    this.#run = run;
    this.#resource = resource;
    this.#scope = memoScope(spec);
    this.#same = same;
  }

  /** Starts reading the memos of partitions about to be enumerated, in one request. */
  readAhead(partitions: string[]): void {
    const wanted = partitions.filter((p) => !this.#ahead.has(p));
    if (wanted.length === 0) return;
    const read = this.#deps.memos.get(this.#run.integrationId, this.#scope, wanted);
    for (const partition of wanted) {
      const memo = read.then((found) => found.get(partition));
      // Awaited by the partition's `skip`; one never asked (the invocation stopped) must not go unhandled.
      memo.catch(() => {});
      this.#ahead.set(partition, memo);
    }
  }

  /**
   * Whether a partition can be skipped: it has a memo and the source says its pages are
   * unchanged. Then the memo's identifiers join the next group of unchanged partitions, and
   * nothing is read, sent or written for it. Returns the memo when skipped.
   */
  async skip(
    partition: string,
    options: { selector: Record<string, unknown>; waitBudgetMs: number },
  ): Promise<PartitionMemo | undefined> {
    const ahead = this.#ahead.get(partition);
    this.#ahead.delete(partition);
    const memo = await (ahead ??
      this.#deps.memos.get(this.#run.integrationId, this.#scope, [partition]).then((m) => m.get(partition)));
    if (!memo) return undefined;
    const same = await this.#same(memo.validators, {
      ...options,
      partition: partition === "" ? undefined : partition,
    });
    if (!same) return undefined;
    // A partition with nothing in it (a repository without open pull requests) is recorded
    // too: a few bytes in a group, and a continuation does not ask about it again.
    const unchanged = Object.values(memo.seen).reduce((sum, ids) => sum + ids.length, 0);
    if (this.#buffer.length === 0) this.#bufferedAt = Date.now();
    this.#buffer.push({
      resource: this.#resource,
      partition,
      items: memo.items,
      unchanged,
      filtered: memo.filtered,
      seen: memo.seen,
    });
    const due = this.#buffer.length >= GROUP_PARTITIONS || Date.now() - this.#bufferedAt >= GROUP_INTERVAL_MS;
    // A failed write fails the partition that made it due: the run then has a failure and
    // deletes nothing, whatever else the group held.
    if (due) await this.#write();
    return memo;
  }

  /**
   * Records what waits, and waits for every group being written: at the end of the resource's
   * enumeration, before it counts as enumerated or hands over to a continuation. Throws if
   * this last write fails (the invocation then fails, and is retried).
   */
  async flush(): Promise<void> {
    const last = this.#write();
    last.catch(() => {}); // awaited below, after the others
    // Earlier writes' failures were their partitions' own (see `skip`).
    await Promise.allSettled([...this.#writing]);
    await last;
  }

  async #write(): Promise<void> {
    const partitions = this.#buffer;
    this.#buffer = [];
    if (partitions.length === 0) return;
    const write = this.#deps.store.recordUnchanged(this.#run.runId, partitions);
    const tracked = write.then(
      () => {
        this.#writing.delete(tracked);
      },
      () => {
        this.#writing.delete(tracked);
      },
    );
    this.#writing.add(tracked);
    await write;
  }
}
