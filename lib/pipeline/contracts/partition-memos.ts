import type { PageValidator } from "../../source/types.ts";

/**
 * What a partition's pages gave when a run last read them all and wrote every entity they
 * make: the pages' validators (URL and ETag) and the entities' identifiers per blueprint.
 * When the source says every page is unchanged, a later run counts these identifiers as seen
 * without reading, sending or writing anything.
 */
export interface PartitionMemo {
  validators: PageValidator[];
  /** Identifiers per blueprint, as the batch records of the run that read the pages had them. */
  seen: Record<string, string[]>;
  /** Raw items the pages held, and how many of them the selector left out. */
  items: number;
  filtered: number;
}

/**
 * Partition memos, beside the content hashes, keyed by integration, `scope` (the kind and a
 * hash of the resource's config: a changed mapping or selector starts afresh) and partition.
 */
export interface PartitionMemos {
  get(integrationId: string, scope: string, partitions: string[]): Promise<Map<string, PartitionMemo>>;
  put(
    integrationId: string,
    scope: string,
    memos: Array<{ partition: string } & PartitionMemo>,
  ): Promise<void>;
}
