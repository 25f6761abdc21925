import type { AddressInfo } from "node:net";
import { CreateTableCommand, DynamoDBClient } from "@aws-sdk/client-dynamodb";
import dynalite from "dynalite";
import { startTransactionFront } from "./dynalite-transactions.ts";

export interface LocalDynamo {
  client: DynamoDBClient;
  tableName: string;
  endpoint: string;
  close(): Promise<void>;
}

/**
 * A real DynamoDB-compatible server (dynalite, in memory) on 127.0.0.1 with the run table,
 * behind a front that adds `TransactWriteItems` (see dynalite-transactions.ts).
 */
export async function startDynalite(tableName = "tide-runs"): Promise<LocalDynamo> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.address() as AddressInfo;
  const backend = `http://127.0.0.1:${port}`;
  const front = await startTransactionFront(backend);
  const endpoint = front.endpoint;
  const client = new DynamoDBClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: "PAY_PER_REQUEST",
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
    }),
  );
  return {
    client,
    tableName,
    endpoint,
    async close() {
      client.destroy();
      await front.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
