import { BatchGetItemCommand, type DynamoDBClient } from "@aws-sdk/client-dynamodb";
import type { PartitionMemo, PartitionMemos } from "../pipeline/contracts/index.ts";
import { partitionKey } from "../pipeline/ids.ts";
import { batchWrite } from "./batch-write.ts";
import { type Item, n, packed, s, str, unpacked } from "./run-table-codec.ts";

/**
 * Partition memos in the run table, one item per partition (`MEMO#<integration>#<scope>#<shard>`,
 * partition key), compressed. Like content hashes they outlive runs, and expire when a
 * partition has not been read in full for `retentionDays`: then it is simply read again.
 */
export class DynamoPartitionMemos implements PartitionMemos {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  readonly #retentionSeconds: number;

  constructor(options: { client: DynamoDBClient; tableName: string; retentionDays?: number }) {
    this.#db = options.client;
    this.#table = options.tableName;
    this.#retentionSeconds = (options.retentionDays ?? 30) * 86_400;
  }

  async get(integrationId: string, scope: string, partitions: string[]): Promise<Map<string, PartitionMemo>> {
    const found = new Map<string, PartitionMemo>();
    const byKey = new Map(partitions.map((p) => [partitionKey(p), p]));
    const keys = [...byKey.keys()];
    for (let i = 0; i < keys.length; i += 100) {
      let request: Record<string, { Keys: Item[] }> | undefined = {
        [this.#table]: { Keys: keys.slice(i, i + 100).map((k) => memoKey(integrationId, scope, k)) },
      };
      while (request && Object.keys(request).length > 0) {
        const result = await this.#db.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const item of result.Responses?.[this.#table] ?? []) {
          const partition = byKey.get(str(item, "sk") ?? "");
          const memo = unpacked<PartitionMemo>(item, "memo");
          // A partition key is a hash: the stored name tells two partitions apart.
          if (partition !== undefined && memo && str(item, "partition") === partition)
            found.set(partition, memo);
        }
        request = result.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }

  async put(integrationId: string, scope: string, memos: Array<{ partition: string } & PartitionMemo>) {
    const expiresAt = Math.floor(Date.now() / 1000) + this.#retentionSeconds;
    await batchWrite(
      this.#db,
      this.#table,
      memos.map(({ partition, ...memo }) => ({
        PutRequest: {
          Item: {
            ...memoKey(integrationId, scope, partitionKey(partition)),
            partition: s(partition),
            memo: packed(memo),
            expiresAt: n(expiresAt),
          },
        },
      })),
    );
  }
}

/** Spread over 16 partition keys, below DynamoDB's per-key write limit when a first run writes thousands. */
function memoKey(integrationId: string, scope: string, key: string): Item {
  return { pk: s(`MEMO#${integrationId}#${scope}#${key.charCodeAt(0) % 16}`), sk: s(key) };
}
