import {
  GetItemCommand,
  PutItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalDynamo, startDynalite } from "../support/dynalite.ts";

// The run store settles and counts in one transaction; the test server must keep DynamoDB's promise.
describe("TransactWriteItems on the local DynamoDB server", () => {
  let dynamo: LocalDynamo;
  beforeAll(async () => {
    dynamo = await startDynalite();
  });
  afterAll(async () => dynamo.close());
  const key = (sk: string) => ({ pk: { S: "T" }, sk: { S: sk } });
  const get = async (sk: string) =>
    (
      await dynamo.client.send(
        new GetItemCommand({ TableName: dynamo.tableName, Key: key(sk), ConsistentRead: true }),
      )
    ).Item;

  it("writes every action, binary values intact", async () => {
    await dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Put: {
              TableName: dynamo.tableName,
              Item: { ...key("a"), blob: { B: Uint8Array.of(0, 255, 7) } },
            },
          },
          {
            Update: {
              TableName: dynamo.tableName,
              Key: key("counter"),
              UpdateExpression: "ADD n :one",
              ExpressionAttributeValues: { ":one": { N: "1" } },
            },
          },
        ],
      }),
    );
    expect([...((await get("a"))?.blob?.B ?? [])]).toEqual([0, 255, 7]);
    expect((await get("counter"))?.n?.N).toBe("1");
  });

  it("writes nothing when one condition fails, and says which", async () => {
    await dynamo.client.send(
      new PutItemCommand({ TableName: dynamo.tableName, Item: { ...key("b"), state: { S: "done" } } }),
    );
    const attempt = dynamo.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          {
            Update: {
              TableName: dynamo.tableName,
              Key: key("counter"),
              UpdateExpression: "ADD n :one",
              ExpressionAttributeValues: { ":one": { N: "1" } },
            },
          },
          {
            Update: {
              TableName: dynamo.tableName,
              Key: key("b"),
              UpdateExpression: "SET #s = :done",
              ConditionExpression: "#s = :sent",
              ExpressionAttributeNames: { "#s": "state" },
              ExpressionAttributeValues: { ":done": { S: "done" }, ":sent": { S: "sent" } },
            },
          },
        ],
      }),
    );
    const error = await attempt.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransactionCanceledException);
    expect((error as TransactionCanceledException).CancellationReasons?.map((r) => r.Code)).toEqual([
      "None",
      "ConditionalCheckFailed",
    ]);
    expect((await get("counter"))?.n?.N).toBe("1");
  });

  it("refuses two actions on one item", async () => {
    const put = { Put: { TableName: dynamo.tableName, Item: key("c") } };
    await expect(
      dynamo.client.send(new TransactWriteItemsCommand({ TransactItems: [put, put] })),
    ).rejects.toThrow(/multiple operations on one item/);
    expect(await get("c")).toBeUndefined();
  });
});
