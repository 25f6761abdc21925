import type { PartitionMemo, PartitionMemos } from "../pipeline/contracts/index.ts";

/** Partition memos in memory: for local runs and tests (a process's later runs skip unchanged partitions). */
export class MemoryPartitionMemos implements PartitionMemos {
  readonly #memos: Map<string, PartitionMemo>;

  /** @param saved what {@link entries} returned earlier (a local state file keeps it between runs). */
  constructor(saved: Iterable<[string, PartitionMemo]> = []) {
    this.#memos = new Map(saved);
  }

  /** Every memo, to save: the input of the constructor. */
  entries(): Array<[string, PartitionMemo]> {
    return [...this.#memos.entries()];
  }

  async get(integrationId: string, scope: string, partitions: string[]): Promise<Map<string, PartitionMemo>> {
    const found = new Map<string, PartitionMemo>();
    for (const partition of partitions) {
      const memo = this.#memos.get(key(integrationId, scope, partition));
      if (memo) found.set(partition, structuredClone(memo));
    }
    return found;
  }

  async put(integrationId: string, scope: string, memos: Array<{ partition: string } & PartitionMemo>) {
    for (const { partition, ...memo } of memos)
      this.#memos.set(key(integrationId, scope, partition), structuredClone(memo));
  }
}

const key = (integrationId: string, scope: string, partition: string) =>
  JSON.stringify([integrationId, scope, partition]);
