import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoPartitionMemos } from "../../lib/aws/dynamodb-partition-memos.ts";
import { MemoryPartitionMemos } from "../../lib/local/memory-partition-memos.ts";
import type { PartitionMemo, PartitionMemos } from "../../lib/pipeline/contracts/index.ts";
import { startDynalite } from "../support/dynalite.ts";

const memo = (n: number): PartitionMemo => ({
  validators: [{ url: `/repos/acme/r${n}/pulls?per_page=100`, etag: `W/"${n}"` }],
  seen: { githubPullRequest: Array.from({ length: n }, (_, i) => `r${n}-${i}`) },
  items: n,
  filtered: 0,
});

function contract(name: string, open: () => Promise<{ memos: PartitionMemos; close(): Promise<void> }>) {
  describe(`PartitionMemos contract: ${name}`, () => {
    let memos: PartitionMemos;
    let close: () => Promise<void>;
    beforeAll(async () => {
      ({ memos, close } = await open());
    });
    afterAll(async () => close());

    it("returns what was put, per integration, scope and partition, for any number of partitions", async () => {
      // More than one BatchGetItem (100 keys) and BatchWriteItem (25) holds, long names included.
      const names = Array.from({ length: 130 }, (_, i) => (i === 7 ? "x".repeat(300) : `r${i}`));
      await memos.put(
        "acme",
        "pull-request#a",
        names.map((partition, i) => ({ partition, ...memo(i % 5) })),
      );
      await memos.put("acme", "pull-request#b", [{ partition: "r1", ...memo(4) }]);
      const found = await memos.get("acme", "pull-request#a", [...names, "missing"]);
      expect(found.size).toBe(130);
      expect(found.get("r3")).toEqual(memo(3));
      expect(found.get("x".repeat(300))).toEqual(memo(7 % 5));
      expect((await memos.get("acme", "pull-request#b", ["r1"])).get("r1")).toEqual(memo(4));
      expect((await memos.get("other", "pull-request#a", ["r1"])).size).toBe(0);
      // A later put replaces the memo.
      await memos.put("acme", "pull-request#a", [{ partition: "r3", ...memo(1) }]);
      expect((await memos.get("acme", "pull-request#a", ["r3"])).get("r3")).toEqual(memo(1));
    });
  });
}

contract("memory", async () => ({ memos: new MemoryPartitionMemos(), close: async () => {} }));
contract("dynamodb (dynalite)", async () => {
  const dynamo = await startDynalite();
  return {
    memos: new DynamoPartitionMemos({ client: dynamo.client, tableName: dynamo.tableName }),
    close: dynamo.close,
  };
});
