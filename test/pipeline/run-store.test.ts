import { DynamoRunStore } from "../../lib/aws/dynamodb-run-store.ts";
import { MemoryRunStore } from "../../lib/local/memory-run-store.ts";
import { startDynalite } from "../support/dynalite.ts";
import { runStoreContract } from "./run-store-contract.ts";

runStoreContract("memory", async () => ({ store: new MemoryRunStore(), close: async () => {} }));

runStoreContract("dynamodb (dynalite)", async () => {
  const dynamo = await startDynalite();
  return {
    store: new DynamoRunStore({ client: dynamo.client, tableName: dynamo.tableName }),
    close: dynamo.close,
  };
});
