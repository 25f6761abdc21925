import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import { type AppliedVersion, DELIVERY_TTL_MS, type LiveState, VERSION_TTL_MS } from "../live/state.ts";
import { bool, flag, type Item, n, num, s } from "./run-table-codec.ts";

/**
 * Live-event state in the run table: one item per applied delivery (`LIVE#<integration>#D#<id>`)
 * and one per object (`LIVE#<integration>#O#<key>`) with the newest version applied, written
 * only forward (a conditional update). Both expire by TTL.
 */
export class DynamoLiveState implements LiveState {
  readonly #db: DynamoDBClient;
  readonly #table: string;
  readonly #integrationId: string;

  constructor(options: { client: DynamoDBClient; tableName: string; integrationId: string }) {
    this.#db = options.client;
    this.#table = options.tableName;
    this.#integrationId = options.integrationId;
  }

  async wasApplied(deliveryId: string): Promise<boolean> {
    const result = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: this.#key("D", deliveryId), ConsistentRead: true }),
    );
    // TTL deletes lazily: an expired item may still be read.
    return result.Item !== undefined && num(result.Item, "expiresAt") > Date.now() / 1000;
  }

  async markApplied(deliveryId: string): Promise<void> {
    await this.#db.send(
      new PutItemCommand({
        TableName: this.#table,
        Item: { ...this.#key("D", deliveryId), expiresAt: n(expiry(DELIVERY_TTL_MS)) },
      }),
    );
  }

  async lastVersion(key: string): Promise<AppliedVersion | undefined> {
    const result = await this.#db.send(
      new GetItemCommand({ TableName: this.#table, Key: this.#key("O", key), ConsistentRead: true }),
    );
    const item = result.Item;
    if (!item || num(item, "expiresAt") <= Date.now() / 1000) return undefined;
    return { version: num(item, "version"), gone: flag(item, "gone") };
  }

  async recordVersion(key: string, applied: AppliedVersion): Promise<void> {
    try {
      await this.#db.send(
        new UpdateItemCommand({
          TableName: this.#table,
          Key: this.#key("O", key),
          UpdateExpression: "SET #version = :version, #gone = :gone, expiresAt = :expiresAt",
          ConditionExpression: "attribute_not_exists(#version) OR #version <= :version",
          ExpressionAttributeNames: { "#version": "version", "#gone": "gone" },
          ExpressionAttributeValues: {
            ":version": n(applied.version),
            ":gone": bool(applied.gone),
            ":expiresAt": n(expiry(VERSION_TTL_MS)),
          },
        }),
      );
    } catch (error) {
      // A newer version was recorded meanwhile: it stays.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  #key(type: "D" | "O", id: string): Item {
    return { pk: s(`LIVE#${this.#integrationId}#${type}#${id}`), sk: s("-") };
  }
}

function expiry(ttlMs: number): number {
  return Math.floor((Date.now() + ttlMs) / 1000);
}
