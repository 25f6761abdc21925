import type { CallOptions, Cursor, Kind, Page } from "./types.ts";

export interface EnumerateOptions extends CallOptions {
  /** Partitions enumerated at once (partitioned kinds only). Default 16. */
  concurrency?: number;
  /**
   * Where a partition (or, for an unpartitioned kind, `undefined`) starts: a saved cursor to
   * resume from, `null` when it is already done, `undefined` for the beginning.
   */
  startAt?(partition: string | undefined): Cursor | null | undefined;
  /**
   * Receives every page. Within a partition pages arrive in order, the next one requested only
   * after this returns; different partitions call it concurrently.
   */
  onPage(page: Page, partition: string | undefined): void | Promise<void>;
}

export interface EnumerateResult {
  pages: number;
  items: number;
  /** Partitions enumerated, skipped ones excluded. */
  partitions: number;
}

/**
 * Enumerates every page of a kind. A partitioned kind's partitions are listed and enumerated
 * at the same time: the listing runs ahead on its own while up to `concurrency` partitions
 * page in parallel, so the listing's serial chain of requests overlaps with the rest.
 * The first error (e.g. `RetryLaterError`) stops every partition and is rethrown unchanged.
 *
 * @example
 * const kind = getKind(source, "pull-request");
 * await enumerateKind(kind, {
 *   selector: { state: "all" },
 *   concurrency: 32,
 *   startAt: (repo) => saved.get(repo),
 *   onPage: async (page, repo) => { await send(page.items); saved.set(repo, page.cursor); },
 * });
 */
export async function enumerateKind(kind: Kind, options: EnumerateOptions): Promise<EnumerateResult> {
  const result: EnumerateResult = { pages: 0, items: 0, partitions: 0 };
  const { selector, waitBudgetMs } = options;
  const walk = async (partition: string | undefined, signal: AbortSignal | undefined) => {
    const cursor = options.startAt?.(partition);
    if (cursor === null) return;
    if (partition !== undefined) result.partitions += 1;
    const pages = kind.pages({ selector, signal, waitBudgetMs, partition, cursor });
    for await (const page of pages) {
      result.pages += 1;
      result.items += page.items.length;
      await options.onPage(page, partition);
    }
  };
  if (!kind.partitions) {
    await walk(undefined, options.signal);
    return result;
  }

  const stop = new AbortController();
  const signal = options.signal ? AbortSignal.any([options.signal, stop.signal]) : stop.signal;
  const queue: string[] = [];
  const seen = new Set<string>();
  let head = 0;
  let listed = false;
  let failure: { error: unknown } | undefined;
  let sleepers: Array<() => void> = [];
  const wakeAll = () => {
    const woken = sleepers;
    sleepers = [];
    for (const wake of woken) wake();
  };
  const fail = (error: unknown) => {
    failure ??= { error };
    stop.abort(error);
    wakeAll();
  };

  const list = async () => {
    try {
      for await (const partition of kind.partitions?.({ selector, signal, waitBudgetMs }) ?? []) {
        // A listing that shifts while it pages (an item added upstream) can repeat a key.
        if (seen.has(partition)) continue;
        seen.add(partition);
        queue.push(partition);
        sleepers.shift()?.();
      }
    } catch (error) {
      fail(error);
    } finally {
      listed = true;
      wakeAll();
    }
  };
  const nextPartition = async (): Promise<string | undefined> => {
    for (;;) {
      if (failure) return undefined;
      if (head < queue.length) return queue[head++];
      if (listed) return undefined;
      await new Promise<void>((wake) => sleepers.push(wake));
    }
  };
  const work = async () => {
    for (let partition = await nextPartition(); partition !== undefined; partition = await nextPartition()) {
      try {
        await walk(partition, signal);
      } catch (error) {
        fail(error);
      }
    }
  };
  const workers = Math.max(1, options.concurrency ?? 16);
  await Promise.all([list(), ...Array.from({ length: workers }, work)]);
  if (failure) throw failure.error;
  return result;
}
