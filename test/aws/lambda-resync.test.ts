import { afterEach, describe, expect, it } from "vitest";
import { parseMessage } from "../../lib/pipeline/message.ts";
import { seededRandom } from "../fakes/port/faults.ts";
import { type LambdaWorld, startLambdaWorld } from "../support/lambda-world.ts";
import { BLUEPRINTS, startWorld, type World } from "../support/world.ts";

let world: World | undefined;
let aws: LambdaWorld | undefined;
afterEach(async () => {
  await aws?.close();
  await world?.close();
  aws = undefined;
  world = undefined;
});

async function start(options: Parameters<typeof startWorld>[0] = {}, maxReceiveCount = 3) {
  world = await startWorld(options);
  aws = await startLambdaWorld(world, { maxReceiveCount });
  return { world, aws };
}

describe("a resync through SQS and DynamoDB, driven like Lambda", () => {
  it("1. lands exactly the source's entities", async () => {
    const { world, aws } = await start();
    const run = await aws.resync();
    expect(run.status).toBe("completed");
    expect(world.actual()).toEqual(world.expected());
    expect(run.summary?.failureCount).toBe(0);
    expect(await aws.queueDepth()).toBe(0);
    // The outcome metrics (alarms) heard of the run exactly once.
    expect(aws.outcomes).toEqual([{ runId: run.runId, status: "completed", failureCount: 0 }]);
  });

  it("2. deletes exactly the removed repositories and their pull requests on the next resync", async () => {
    const { world, aws } = await start();
    await aws.resync();
    const removed = world.github.org.removeRepos(2);
    const run = await aws.resync();
    expect(run.status).toBe("completed");
    expect(world.actual()).toEqual(world.expected());
    for (const name of removed) {
      expect(world.port.entity(BLUEPRINTS.repository, name)).toBeUndefined();
      expect(
        world.port.entities(BLUEPRINTS.pullRequest).filter((e) => e.identifier.startsWith(`${name}-`)),
      ).toEqual([]);
    }
  });

  it("2b. an unchanged resync sends no pull request or issue to SQS: their pages answer 304 (memos in DynamoDB)", async () => {
    const { world, aws } = await start();
    await aws.resync();
    const queue = aws.runtime.queue;
    const sent: string[] = [];
    aws.runtime.queue = {
      ...queue,
      send: async (messages) => {
        sent.push(...messages.map((m) => m.kind));
        await queue.send(messages);
      },
    };
    world.github.resetStats();
    world.port.resetRequests();
    const run = await aws.resync();
    aws.runtime.queue = queue;
    expect(run.status).toBe("completed");
    expect(new Set(sent)).not.toContain("pull-request");
    expect(new Set(sent)).not.toContain("issue");
    expect(world.github.stats.byStatus[304]).toBeGreaterThan(0);
    expect(world.port.requestCount("bulkUpsert")).toBe(0);
    expect(world.actual()).toEqual(world.expected());
  });

  it("3. deletes nothing when the source suddenly returns nothing", async () => {
    const { world, aws } = await start();
    await aws.resync();
    const before = world.actual();
    world.github.org.removeRepos(world.github.org.repoNames().length);
    const run = await aws.resync();
    expect(run.summary?.deletion).toMatchObject({ performed: false });
    expect(run.summary?.deletion.reason).toMatch(/entityDeletionThreshold/);
    expect(world.actual()[BLUEPRINTS.repository]).toEqual(before[BLUEPRINTS.repository]);
  });

  it("4. a batch that fails for good fails the run, deletes nothing, waits in the DLQ and is re-ingested by a redrive", async () => {
    const { world, aws } = await start({}, 2);
    await aws.resync();
    world.github.org.removeRepos(1);
    const changed = world.github.org.repoNames()[0]!;
    world.github.org.updatePull(changed, (world.github.org.pulls(changed)[0] as { number: number }).number, {
      title: "changed while Port was down",
    });
    const before = world.actual();
    // Port keeps failing pull request upserts: every delivery of their batches fails.
    world.port.faults.errorRate = 1;
    world.port.faults.routes = ["bulkUpsert"];
    const failedRun = await aws.resync({ timeoutMs: 90_000 });
    expect(failedRun.status).toBe("failed");
    expect(failedRun.summary?.deletion.performed).toBe(false);
    expect(aws.outcomes.filter((o) => o.runId === failedRun.runId)).toEqual([
      { runId: failedRun.runId, status: "failed", failureCount: failedRun.summary?.failureCount },
    ]);
    expect(world.actual()[BLUEPRINTS.repository]).toEqual(before[BLUEPRINTS.repository]);

    // As Lambda's trigger keeps polling, SQS moves the exhausted messages to the DLQ.
    await aws.drain();
    const dead = await aws.drainDeadLetters();
    expect(dead.length).toBeGreaterThan(0);
    const items = dead.flatMap((m) => parseMessage(m.Body ?? "").parts.flatMap((p) => p.items));
    expect(items.length).toBeGreaterThan(0);

    const states = async () => {
      const found: string[] = [];
      for await (const batch of aws.runtime.store.listBatches(failedRun.runId)) found.push(batch.state);
      return found;
    };
    expect((await states()).filter((state) => state === "failed")).toHaveLength(dead.length);

    world.port.faults.errorRate = 0;
    await aws.redrive(dead);
    await aws.drain();
    // The redriven batches alone (no new resync) wrote what the failed run could not.
    expect(
      world.port.entities(BLUEPRINTS.pullRequest).some((e) => e.title === "changed while Port was down"),
    ).toBe(true);
    expect(new Set(await states())).toEqual(new Set(["done"]));
  });

  it("5. duplicate deliveries and crashes in the middle of a batch change nothing in the result", async () => {
    const { world, aws } = await start();
    const random = seededRandom(5);
    const run = await aws.resync({ crashRate: 0.1, random, poller: { duplicateRate: 0.2 } });
    expect(run.status).toBe("completed");
    expect(world.actual()).toEqual(world.expected());
    const expected = world.expected();
    const kinds = run.summary?.kinds ?? [];
    expect(kinds.find((k) => k.kind === "pull-request")?.entities).toBe(
      expected[BLUEPRINTS.pullRequest]?.length,
    );
    expect(kinds.find((k) => k.kind === "repository")?.entities).toBe(
      expected[BLUEPRINTS.repository]?.length,
    );
  });

  it("6. a resync forced through three or more continuations ends identical to one without", async () => {
    const { world, aws } = await start();
    const pagesPerInvocation = () => {
      let checks = 10;
      return () => (checks-- > 0 ? 15 * 60_000 : 0);
    };
    const run = await aws.resync({ remainingTime: pagesPerInvocation });
    expect(run.continuations).toBeGreaterThanOrEqual(3);
    expect(run.status).toBe("completed");
    expect(world.actual()).toEqual(world.expected());
  });

  it("7. under chaos (Port 10% 5xx, 5% 429, 2% resets; GitHub 5% 5xx) the catalog ends exact", async () => {
    const { world, aws } = await start({
      port: { seed: 7, faults: { errorRate: 0.1, rateLimitedRate: 0.05, retryAfterSec: 0, resetRate: 0.02 } },
      github: { serverErrorRate: 0.05 },
    });
    await aws.resync({ timeoutMs: 120_000 });
    world.github.org.removeRepos(2);
    const run = await aws.resync({ timeoutMs: 120_000 });
    expect(run.status).toBe("completed");
    expect(world.actual()).toEqual(world.expected());
  });

  it("8. a scheduled incremental run after a full one writes only what changed, from the run table's last completed run, and deletes nothing", async () => {
    const { world, aws } = await start();
    const full = await aws.resync();
    const [a, gone] = world.github.org.repoNames() as [string, string];
    const [issue] = world.github.org.addIssues(a, 1) as [number];
    world.github.org.removeRepo(gone);
    const run = await aws.resync({ incremental: true });
    expect(run).toMatchObject({ status: "completed", trigger: "schedule" });
    expect(run.incremental?.after).toBe(full.runId);
    expect(run.summary?.kinds.map((k) => [k.kind, k.entities])).toEqual([
      ["repository", 0],
      ["pull-request", 0],
      ["issue", 1],
    ]);
    expect(world.port.entity(BLUEPRINTS.issue, `${a}-${issue}`)).toBeDefined();
    expect(world.port.entity(BLUEPRINTS.repository, gone)).toBeDefined();
    expect(run.summary?.deletion.performed).toBe(false);
    // The next one starts from this one: the run table points at the last completed run.
    expect((await aws.resync({ incremental: true })).incremental?.after).toBe(run.runId);
  });
});
