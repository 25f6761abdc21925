import { createHash } from "node:crypto";
import { BatchGetItemCommand, type DynamoDBClient, type WriteRequest } from "@aws-sdk/client-dynamodb";
import type { ContentHashes, WrittenHash } from "../pipeline/contracts/index.ts";
import { batchWrite } from "./batch-write.ts";
import { type Item, n, num, s, str } from "./run-table-codec.ts";

/** Spreads one blueprint's hashes over partitions, below DynamoDB's per-partition write limit. */
const SHARDS = 16;

/**
 * Content hashes in the run table, one item per entity (`HASH#<integration>#<blueprint>#<shard>`,
 * identifier). Unlike run items they do not expire with a run: they outlive it on purpose,
 * and expire only if the entity is not written again for `retentionDays`.
 */
export class DynamoContentHashes implements ContentHashes {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  readonly #retentionSeconds: number;

  constructor(options: { client: DynamoDBClient; tableName: string; retentionDays?: number }) {
    this.#db = options.client;
    this.#table = options.tableName;
    this.#retentionSeconds = (options.retentionDays ?? 30) * 86_400;
  }

  async get(
    integrationId: string,
    blueprint: string,
    identifiers: string[],
  ): Promise<Map<string, WrittenHash>> {
    const found = new Map<string, WrittenHash>();
    const unique = [...new Set(identifiers)];
    for (let i = 0; i < unique.length; i += 100) {
      let request: Record<string, { Keys: Item[] }> | undefined = {
        [this.#table]: { Keys: unique.slice(i, i + 100).map((id) => hashKey(integrationId, blueprint, id)) },
      };
      while (request && Object.keys(request).length > 0) {
        const result = await this.#db.send(new BatchGetItemCommand({ RequestItems: request }));
        for (const item of result.Responses?.[this.#table] ?? []) {
          const kind = str(item, "kind");
          found.set(str(item, "sk") ?? "", {
            hash: str(item, "hash") ?? "",
            writtenAt: num(item, "writtenAt"),
            ...(kind !== undefined ? { origin: { kind, partition: str(item, "partition") ?? "" } } : {}),
          });
        }
        request = result.UnprocessedKeys as typeof request;
      }
    }
    return found;
  }

  async put(integrationId: string, blueprint: string, written: Array<{ identifier: string } & WrittenHash>) {
    const expiresAt = Math.floor(Date.now() / 1000) + this.#retentionSeconds;
    // A batch write may not name one key twice: the last write of an identifier wins.
    const latest = [...new Map(written.map((w) => [w.identifier, w])).values()];
    await this.#write(
      latest.map(({ identifier, hash, writtenAt, origin }) => ({
        PutRequest: {
          Item: {
            ...hashKey(integrationId, blueprint, identifier),
            hash: s(hash),
            writtenAt: n(writtenAt),
            expiresAt: n(expiresAt),
            // Where it was listed: reconciliation looks there again before deleting it.
            ...(origin ? { kind: s(origin.kind), partition: s(origin.partition) } : {}),
          },
        },
      })),
    );
  }

  async delete(integrationId: string, blueprint: string, identifiers: string[]): Promise<void> {
    await this.#write(
      [...new Set(identifiers)].map((id) => ({
        DeleteRequest: { Key: hashKey(integrationId, blueprint, id) },
      })),
    );
  }

  #write(requests: WriteRequest[]): Promise<void> {
    return batchWrite(this.#db, this.#table, requests);
  }
}

function hashKey(integrationId: string, blueprint: string, identifier: string): Item {
  const shard = createHash("sha1").update(identifier).digest().readUInt8(0) % SHARDS;
  return { pk: s(`HASH#${integrationId}#${blueprint}#${shard}`), sk: s(identifier) };
}
