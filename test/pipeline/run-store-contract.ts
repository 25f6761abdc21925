import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PortAppConfig } from "../../lib/mapping/index.ts";
import type { RunStore } from "../../lib/pipeline/contracts/index.ts";
import type { BatchResult, RunRecord, UnchangedPartition } from "../../lib/pipeline/run.ts";
import { unchangedBatchId } from "../../lib/pipeline/unchanged-batch.ts";

const config = { resources: [{ kind: "repository" }] } as unknown as PortAppConfig;

export function newRun(runId: string, integrationId = "acme"): RunRecord {
  return {
    runId,
    integrationId,
    trigger: "manual",
    status: "running",
    startedAt: new Date().toISOString(),
    resources: [0],
    full: true,
    enumerated: false,
    sent: 0,
    settled: 0,
    continuations: 0,
  };
}

function unchanged(resource: number, partition: string, seen: string[]): UnchangedPartition {
  return {
    resource,
    partition,
    items: seen.length,
    unchanged: seen.length,
    filtered: 1,
    seen: { githubRepository: seen },
  };
}

function result(batch: string, state: "done" | "failed", seen: string[] = []): BatchResult {
  return {
    batch,
    resource: 0,
    state,
    items: seen.length,
    entities: seen.length,
    unchanged: 0,
    filtered: 0,
    failures: state === "failed" ? [{ kind: "repository", message: "Port 503" }] : [],
    failureCount: state === "failed" ? 1 : 0,
    seen: { githubRepository: seen },
  };
}

/** The semantics every RunStore must have, run against memory and DynamoDB alike. */
export function runStoreContract(
  name: string,
  open: () => Promise<{ store: RunStore; close(): Promise<void> }>,
) {
  describe(`RunStore contract: ${name}`, () => {
    let store: RunStore;
    let close: () => Promise<void>;
    let n = 0;
    const id = () => `run-${name}-${++n}`;

    beforeAll(async () => {
      ({ store, close } = await open());
    });
    afterAll(async () => close());

    it("gives the lock to one run at a time, frees it when stale, and supersedes on request", async () => {
      const integration = `int-${id()}`;
      expect(await store.acquireLock(integration, "a", { staleAfterMs: 60_000, supersede: false })).toEqual({
        acquired: true,
      });
      const refused = await store.acquireLock(integration, "b", { staleAfterMs: 60_000, supersede: false });
      expect(refused).toMatchObject({ acquired: false, holder: "a" });
      expect(await store.acquireLock(integration, "b", { staleAfterMs: 60_000, supersede: true })).toEqual({
        acquired: true,
        superseded: "a",
      });
      await new Promise((resolve) => setTimeout(resolve, 5));
      // Stale after 1 ms: a crashed run does not block the integration forever.
      expect(await store.acquireLock(integration, "c", { staleAfterMs: 1, supersede: false })).toMatchObject({
        acquired: true,
      });
      await store.releaseLock(integration, "b"); // not the holder: no effect
      expect(
        await store.acquireLock(integration, "d", { staleAfterMs: 60_000, supersede: false }),
      ).toMatchObject({
        acquired: false,
        holder: "c",
      });
      await store.releaseLock(integration, "c");
      expect(await store.acquireLock(integration, "d", { staleAfterMs: 60_000, supersede: false })).toEqual({
        acquired: true,
      });
    });

    it("keeps the run, its config snapshot and the latest run of an integration", async () => {
      const runId = id();
      await store.createRun(newRun(runId, "keep"), config);
      await expect(store.createRun(newRun(runId, "keep"), config)).rejects.toThrow();
      expect(await store.getRun(runId)).toMatchObject({
        runId,
        status: "running",
        resources: [0],
        full: true,
      });
      expect(await store.getConfig(runId)).toEqual(config);
      expect((await store.latestRun("keep"))?.runId).toBe(runId);
      expect(await store.getRun("missing")).toBeUndefined();
    });

    it("lists an integration's recent runs, newest first, up to a limit", async () => {
      for (const runId of ["20261101T000000Z-a", "20261103T000000Z-c", "20261102T000000Z-b"]) {
        await store.createRun(newRun(`${runId}-${name}`, "history"), config);
      }
      await store.createRun(newRun(`20261104T000000Z-other-${name}`, "other"), config);
      const recent = await store.recentRuns("history", 2);
      expect(recent.map((r) => r.runId)).toEqual([
        `20261103T000000Z-c-${name}`,
        `20261102T000000Z-b-${name}`,
      ]);
      expect(await store.recentRuns("none", 5)).toEqual([]);
    });

    it("knows the completed run that started last (failed and running runs do not count)", async () => {
      const integration = `completed-${name}`;
      expect(await store.latestCompletedRun(integration)).toBeUndefined();
      const at = (minute: number) => `2026-11-01T10:${String(minute).padStart(2, "0")}:00.000Z`;
      const start = async (runId: string, minute: number) => {
        await store.createRun({ ...newRun(runId, integration), startedAt: at(minute) }, config);
        return runId;
      };
      const first = await start(id(), 1);
      const second = await start(id(), 2);
      const failed = await start(id(), 3);
      await start(id(), 4); // still running
      expect(await store.transition(second, "running", "completed")).toBe(true);
      // A run that started earlier but ended later does not move the cutoff back.
      expect(await store.transition(first, "running", "completed")).toBe(true);
      expect(await store.transition(failed, "running", "failed")).toBe(true);
      expect((await store.latestCompletedRun(integration))?.runId).toBe(second);
      expect(await store.latestCompletedRun(`${integration}-other`)).toBeUndefined();
    });

    it("changes a run's status exactly once", async () => {
      const runId = id();
      await store.createRun(newRun(runId), config);
      const claims = await Promise.all(
        [1, 2, 3].map(() => store.transition(runId, "running", "reconciling")),
      );
      expect(claims.filter(Boolean)).toHaveLength(1);
      expect(await store.transition(runId, "running", "aborted")).toBe(false);
      const summary = { status: "completed" } as never;
      expect(await store.transition(runId, "reconciling", "completed", summary)).toBe(true);
      const run = await store.getRun(runId);
      expect(run?.status).toBe("completed");
      expect(run?.endedAt).toBeDefined();
      expect(run?.summary).toEqual(summary);
    });

    it("registers a message's batches together, each counted once even if some were registered before", async () => {
      const runId = id();
      await store.createRun(newRun(runId), config);
      await store.registerBatches(runId, ["0:a:0", "0:b:0"], 0);
      expect((await store.getRun(runId))?.sent).toBe(2);
      // A fanout retried after a crash sends a message again, with one new part.
      await store.registerBatches(runId, ["0:a:0", "0:b:0", "0:c:0"], 0);
      await store.registerBatches(
        runId,
        Array.from({ length: 150 }, (_, i) => `0:d:${i}`),
        0,
      );
      expect((await store.getRun(runId))?.sent).toBe(153);
      expect(await store.countUnsettled(runId)).toBe(153);
      const batches = await store.getBatches(runId, ["0:a:0", "0:c:0", "0:d:149"]);
      const rows = [...batches.values()].map((b) => [b.batch, b.state, b.resource]);
      expect(rows.sort()).toEqual([
        ["0:a:0", "sent", 0],
        ["0:c:0", "sent", 0],
        ["0:d:149", "sent", 0],
      ]);
    });

    it("settles a delivery's batches together, each exactly once, duplicates and redrives included", async () => {
      const runId = id();
      await store.createRun(newRun(runId), config);
      const names = Array.from({ length: 120 }, (_, i) => `0:p${i}:0`);
      await store.registerBatches(runId, [...names, "0:x:0", "0:y:0"], 0);
      await store.settleBatch(runId, result("0:x:0", "done", ["x"]));
      await store.settleBatch(runId, result("0:y:0", "failed"));
      const outcomes = await store.settleBatches(runId, [
        ...names.map((b) => result(b, "done", [b])),
        result("0:x:0", "done", ["x"]), // settled before: a duplicate
        result("0:p0:0", "done", ["0:p0:0"]), // twice in one delivery
        result("0:y:0", "done", ["y"]), // failed before, redriven: now done, not counted twice
      ]);
      expect(outcomes.map((o) => o.applied)).toEqual([...names.map(() => true), false, false, true]);
      const run = await store.getRun(runId);
      expect(run?.settled).toBe(122);
      expect(await store.countUnsettled(runId)).toBe(0);
      const records = await store.getBatches(runId, ["0:p119:0", "0:y:0"]);
      expect(records.get("0:p119:0")).toMatchObject({
        state: "done",
        seen: { githubRepository: ["0:p119:0"] },
      });
      expect(records.get("0:y:0")).toMatchObject({ state: "done", seen: { githubRepository: ["y"] } });
    });

    it("counts a batch sent once however often it is registered, and settled once however often delivered", async () => {
      const runId = id();
      await store.createRun(newRun(runId), config);
      await store.registerBatch(runId, "0:-:0", 0);
      await store.registerBatch(runId, "0:-:0", 0);
      await store.registerBatch(runId, "0:-:1", 0);
      expect((await store.getRun(runId))?.sent).toBe(2);
      expect(await store.countUnsettled(runId)).toBe(2);

      const first = await store.settleBatch(runId, result("0:-:0", "done", ["a", "b"]));
      const again = await store.settleBatch(runId, result("0:-:0", "done", ["a", "b"]));
      expect(first.applied).toBe(true);
      expect(again.applied).toBe(false);
      expect(first.run?.settled).toBe(1);
      expect(await store.countUnsettled(runId)).toBe(1);

      // A batch that failed for good may be redriven and succeed; it is not counted twice.
      expect((await store.settleBatch(runId, result("0:-:1", "failed"))).applied).toBe(true);
      expect((await store.settleBatch(runId, result("0:-:1", "failed"))).applied).toBe(false);
      const redriven = await store.settleBatch(runId, result("0:-:1", "done", ["c"]));
      expect(redriven.applied).toBe(true);
      expect(redriven.run?.settled).toBe(2);
      expect((await store.settleBatch(runId, result("0:-:1", "failed"))).applied).toBe(false);

      const batches = new Map<string, unknown>();
      for await (const batch of store.listBatches(runId)) batches.set(batch.batch, batch);
      expect(batches.get("0:-:0")).toMatchObject({
        state: "done",
        entities: 2,
        seen: { githubRepository: ["a", "b"] },
      });
      expect(batches.get("0:-:1")).toMatchObject({ state: "done", seen: { githubRepository: ["c"] } });
      const found = await store.getBatches(runId, ["0:-:0", "0:-:1", "0:-:9"]);
      expect([...found.keys()].sort()).toEqual(["0:-:0", "0:-:1"]);
    });

    it("records unchanged partitions settled at once, exactly once, without counting them sent", async () => {
      const runId = id();
      await store.createRun(newRun(runId), config);
      await store.registerBatch(runId, "0:-:0", 0);
      await store.recordUnchanged(runId, [unchanged(0, "abc", ["u1", "u2"])]);
      await store.recordUnchanged(runId, [unchanged(0, "abc", ["u1", "u2"])]);
      const run = await store.getRun(runId);
      expect({ sent: run?.sent, settled: run?.settled }).toEqual({ sent: 1, settled: 0 });
      expect(await store.countUnsettled(runId)).toBe(1);
      const batches = [];
      for await (const batch of store.listBatches(runId)) batches.push(batch);
      expect(batches.filter((b) => b.batch === unchangedBatchId(0, "abc"))).toEqual([
        {
          batch: unchangedBatchId(0, "abc"),
          resource: 0,
          state: "done",
          items: 2,
          entities: 0,
          unchanged: 2,
          filtered: 1,
          failures: [],
          failureCount: 0,
          seen: { githubRepository: ["u1", "u2"] },
        },
      ]);
      expect(await store.unchangedPartitions(runId, 0)).toEqual(["abc"]);
    });

    it("lists a partition recorded in two groups once (regrouped after a crash), and tells each resource's apart", async () => {
      const runId = id();
      await store.createRun(newRun(runId), config);
      await store.recordUnchanged(runId, [unchanged(1, "a", ["a1"]), unchanged(1, "b", ["b1", "b2"])]);
      // The fanout crashed after that write; its retry regrouped what it skipped.
      await store.recordUnchanged(runId, [
        unchanged(1, "b", ["b1", "b2"]),
        unchanged(1, "c", ["c1"]),
        unchanged(2, "a", ["x1"]),
      ]);
      const batches = [];
      for await (const batch of store.listBatches(runId)) batches.push(batch);
      expect(batches.map((b) => b.batch).sort()).toEqual(
        [
          unchangedBatchId(1, "a"),
          unchangedBatchId(1, "b"),
          unchangedBatchId(1, "c"),
          unchangedBatchId(2, "a"),
        ].sort(),
      );
      const seen = batches.flatMap((b) => b.seen.githubRepository ?? []);
      expect(seen.sort()).toEqual(["a1", "b1", "b2", "c1", "x1"]);
      expect((await store.unchangedPartitions(runId, 1)).sort()).toEqual(["a", "b", "c"]);
      expect(await store.unchangedPartitions(runId, 2)).toEqual(["a"]);
      expect(await store.unchangedPartitions(runId, 3)).toEqual([]);
    });

    it("records unchanged partitions of any size: more than one item holds (DynamoDB's 400 KB)", async () => {
      const runId = id();
      await store.createRun(newRun(runId), config);
      // Random identifiers barely compress: about 1.2 MB of them, 600 KB compressed.
      const partitions = Array.from({ length: 40 }, (_, p) =>
        unchanged(
          0,
          `repo-${p}`,
          Array.from({ length: 1_000 }, () => randomBytes(15).toString("base64url")),
        ),
      );
      await store.recordUnchanged(runId, partitions);
      const batches = new Map<string, string[]>();
      for await (const batch of store.listBatches(runId))
        batches.set(batch.batch, batch.seen.githubRepository ?? []);
      expect(batches.size).toBe(40);
      for (const p of partitions)
        expect(batches.get(unchangedBatchId(0, p.partition))).toEqual(p.seen.githubRepository);
      expect(await store.unchangedPartitions(runId, 0)).toHaveLength(40);
    });

    it("settles concurrent deliveries of one batch exactly once", async () => {
      const runId = id();
      await store.createRun(newRun(runId), config);
      await store.registerBatch(runId, "b", 0);
      const outcomes = await Promise.all(
        [1, 2, 3, 4].map(() => store.settleBatch(runId, result("b", "done", ["x"]))),
      );
      expect(outcomes.filter((o) => o.applied)).toHaveLength(1);
      expect((await store.getRun(runId))?.settled).toBe(1);
    });

    it("saves a checkpoint per partition and returns them per resource", async () => {
      const runId = id();
      await store.createRun(newRun(runId), config);
      await store.saveCheckpoint(runId, {
        resource: 0,
        partition: "",
        cursor: { page: 3 },
        seq: 4,
        done: false,
      });
      await store.saveCheckpoint(runId, {
        resource: 1,
        partition: "repo-a",
        cursor: "u2",
        seq: 1,
        done: false,
      });
      await store.saveCheckpoint(runId, {
        resource: 1,
        partition: "repo-a",
        cursor: null,
        seq: 2,
        done: true,
        validators: [{ url: "/repos/acme/repo-a/pulls?per_page=100", etag: 'W/"abc"' }],
      });
      await store.saveCheckpoint(runId, {
        resource: 1,
        partition: "x".repeat(600),
        cursor: 7,
        seq: 1,
        done: false,
      });
      expect(await store.getCheckpoints(runId, 0)).toEqual([
        { resource: 0, partition: "", cursor: { page: 3 }, seq: 4, done: false },
      ]);
      const second = await store.getCheckpoints(runId, 1);
      expect(second).toHaveLength(2);
      expect(second).toContainEqual({
        resource: 1,
        partition: "repo-a",
        cursor: null,
        seq: 2,
        done: true,
        validators: [{ url: "/repos/acme/repo-a/pulls?per_page=100", etag: 'W/"abc"' }],
      });
    });

    it("adds live progress and keeps a bounded sample of errors", async () => {
      const runId = id();
      await store.createRun(newRun(runId), config);
      await store.initProgress(runId, [{ resource: 0, kind: "repository" }]);
      await store.addProgress(runId, 0, { pages: 1, items: 100, batches: 2 });
      await store.addProgress(runId, 0, { pages: 1, items: 50, batches: 1 });
      for (let i = 0; i < 30; i++)
        await store.addProgress(runId, 0, { failures: 1 }, [{ kind: "repository", message: `e${i}` }]);
      await store.markEnumerated(runId, 0);
      const [progress] = await store.getProgress(runId);
      expect(progress).toMatchObject({
        kind: "repository",
        pages: 2,
        items: 150,
        batches: 3,
        failures: 30,
        enumerated: true,
      });
      expect(progress?.errors.length).toBeLessThanOrEqual(20);
      expect(progress?.errors[0]?.message).toBe("e0");
    });
  });
}
