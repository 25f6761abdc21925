/**
 * Crash points: the deployed pipeline (the real handlers and runtime, SQS and DynamoDB
 * servers, the GitHub and Port fakes) is crashed once at the k-th run-table write or Port
 * operation of a run, for k = 1, 2, … until a run has fewer points than k. A crash is a
 * Lambda dying: the invocation does nothing more (every later write or call of it fails, its
 * heartbeat stops), SQS redelivers its messages, Lambda retries an asynchronous invoke twice,
 * and the stack's watchdog ticks. Each time: the run ends, nothing the source still has was
 * deleted, and the catalog equals the source (at once, or after the next run when the
 * watchdog had to end the crashed run as failed).
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse, stringify } from "yaml";
import { DynamoContentHashes } from "../../lib/aws/dynamodb-content-hashes.ts";
import { DynamoRunStore } from "../../lib/aws/dynamodb-run-store.ts";
import { fanoutHandler, ingestHandler } from "../../lib/aws/handlers.ts";
import { compileResource } from "../../lib/mapping/index.ts";
import type { Catalog } from "../../lib/pipeline/contracts/index.ts";
import { newRunId } from "../../lib/pipeline/ids.ts";
import { silentLogger } from "../../lib/pipeline/logger.ts";
import { RunMappers } from "../../lib/pipeline/mappers.ts";
import type { IngestMessage } from "../../lib/pipeline/message.ts";
import type { RunRecord } from "../../lib/pipeline/run.ts";
import { sourceSecondLook } from "../../lib/pipeline/second-look.ts";
import { githubDefaults } from "../../lib/source/github/defaults.ts";
import { type LambdaWorld, startLambdaWorld } from "../support/lambda-world.ts";
import { SqsPoller } from "../support/sqs-poller.ts";
import { BLUEPRINTS, startWorld, type World } from "../support/world.ts";

class Crash extends Error {
  override readonly name = "Crash";
}

/** One invocation's fate: once it crashed, nothing more of it reaches a server. */
const invocation = new AsyncLocalStorage<{ dead: boolean }>();
const WRITES = new Set([
  "PutItemCommand",
  "UpdateItemCommand",
  "DeleteItemCommand",
  "TransactWriteItemsCommand",
  "BatchWriteItemCommand",
]);

const crashes = {
  at: 0,
  count: 0,
  points: [] as string[],
  /** After an operation took effect: the k-th one kills its invocation. */
  passed(name: string) {
    const ctx = invocation.getStore();
    if (ctx?.dead) throw new Crash("the invocation is dead");
    this.count++;
    this.points.push(name);
    if (this.count === this.at) {
      if (ctx) ctx.dead = true;
      throw new Crash(`crashed after ${name} (#${this.count})`);
    }
  },
  alive() {
    if (invocation.getStore()?.dead) throw new Crash("the invocation is dead");
  },
};

const STALL = { runningMs: 4_000, reconcilingMs: 3_000, resumeAfterMs: 300 };

let world: World;
let aws: LambdaWorld;
let poller: SqsPoller;
const deleted: string[] = [];
/** Every message the fanout sent, as a DLQ would keep it. */
const sent: IngestMessage[] = [];
const pending: Array<Promise<void>> = [];
let fanout: ReturnType<typeof fanoutHandler>;

beforeAll(async () => {
  const defaults = parse(await githubDefaults.portAppConfig()) as { resources: Array<{ kind: string }> };
  defaults.resources = defaults.resources.filter((r) => r.kind === "repository" || r.kind === "pull-request");
  world = await startWorld({
    github: { repos: 2, pullsPerRepo: 1, issuesPerRepo: 0, teams: 0, seed: 11 },
    configText: stringify(defaults),
  });
  aws = await startLambdaWorld(world, { maxReceiveCount: 4 });
  const { runtime } = aws;
  // The run table and content hashes through a client whose writes can crash.
  const client = new DynamoDBClient({
    endpoint: aws.dynamo.endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  client.middlewareStack.add(
    (next, context) => async (args) => {
      crashes.alive();
      const out = await next(args);
      if (WRITES.has(context.commandName ?? "")) crashes.passed(`run table ${context.commandName}`);
      return out;
    },
    { step: "initialize", name: "crashPoints" },
  );
  const table = { client, tableName: aws.dynamo.tableName };
  runtime.store = new DynamoRunStore(table);
  runtime.hashes = new DynamoContentHashes(table);
  runtime.mappers = new RunMappers(runtime.store, compileResource);
  runtime.look = sourceSecondLook({ source: () => runtime.source(), mappers: runtime.mappers });
  runtime.catalog = crashingCatalog(runtime.catalog);
  runtime.stall = STALL;
  const queue = runtime.queue;
  runtime.queue = {
    async send(messages) {
      await queue.send(messages);
      sent.push(...structuredClone(messages));
    },
  };
  fanout = fanoutHandler(async () => runtime, silentLogger);
  runtime.invoker = () => ({
    continueFanout: async (event) => void pending.push(invokeAsync(event)),
    reconcile: async (event) => void pending.push(invokeAsync(event)),
    startFanout: async (event) => void pending.push(invokeAsync(event)),
  });
  const ingest = ingestHandler(async () => runtime, silentLogger);
  poller = new SqsPoller({
    client: aws.sqs.client,
    queueUrl: aws.sqs.queueUrl,
    handler: async (event) => {
      const ctx = { dead: false };
      const out = await invocation.run(ctx, () => ingest(event));
      if (ctx.dead) throw new Crash("the ingest died"); // SQS delivers its messages again
      return out;
    },
    retryVisibilitySeconds: 0,
  });
  poller.start();
});

afterAll(async () => {
  await poller?.stop();
  await aws?.close();
  await world?.close();
});

function crashingCatalog(catalog: Catalog): Catalog {
  const call = async <T>(name: string, work: () => Promise<T>): Promise<T> => {
    crashes.alive();
    const out = await work();
    crashes.passed(`Port ${name}`);
    return out;
  };
  const listing = <T>(name: string, list: () => AsyncIterable<T>) =>
    async function* () {
      crashes.alive();
      yield* list();
      crashes.passed(`Port ${name}`);
    };
  return {
    description: catalog.description,
    upsert: (bp, entities, options) => call("upsert", () => catalog.upsert(bp, entities, options)),
    listOwned: (bp) => listing("search", () => catalog.listOwned(bp))(),
    ...(catalog.listOwnedEntities
      ? { listOwnedEntities: (bp: string) => listing("search", () => catalog.listOwnedEntities!(bp))() }
      : {}),
    delete: (bp, ids, options) =>
      call("delete", async () => {
        const outcome = await catalog.delete(bp, ids, options);
        deleted.push(...outcome.deleted.map((id) => `${bp}/${id}`));
        return outcome;
      }),
    reportResync: (state) => call("resync state", async () => catalog.reportResync?.(state)),
  };
}

/** Lambda's asynchronous invoke: a failed or crashed invocation is tried twice more, a little later. */
async function invokeAsync(event: unknown): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, STALL.resumeAfterMs + 100));
    const ctx = { dead: false };
    try {
      await invocation.run(ctx, () => fanout(event, { getRemainingTimeInMillis: () => 15 * 60_000 }));
      if (!ctx.dead) return;
    } catch {
      // retried
    }
  }
}

/** A resync as the stack runs it, the watchdog ticking, until the run ends. */
async function resync(crashAt: number): Promise<RunRecord> {
  crashes.at = crashAt;
  crashes.count = 0;
  crashes.points = [];
  const runId = newRunId();
  pending.push(invokeAsync({ trigger: "manual", runId }));
  const deadline = Date.now() + 60_000;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const run = await aws.runtime.store.getRun(runId).catch(() => undefined);
    if (run && run.status !== "running" && run.status !== "reconciling") {
      await Promise.all(pending.splice(0));
      return run;
    }
    if (Date.now() > deadline)
      throw new Error(`run ${runId} (crash at ${crashAt}) did not end: ${JSON.stringify(run)}`);
    pending.push(invokeAsync({ type: "watchdog" }));
  }
}

/** The source changes between runs: a repository (and its pull request) goes, another comes. */
function changeSource(): void {
  const [first] = world.github.org.repoNames();
  if (first) world.github.org.removeRepo(first);
  world.github.org.addRepos(1);
  for (const name of world.github.org.repoNames().slice(-1)) world.github.org.addPulls(name, 1);
}

/**
 * A completed run's summary counts each entity once, whatever was delivered or recorded twice
 * (a batch settled after a crash, an unchanged repository grouped again by a retry). Returns
 * how many repositories the run recorded unchanged.
 */
async function countedOnce(run: RunRecord): Promise<number> {
  const expected = world.expected();
  const blueprintOf: Record<string, string> = {
    repository: BLUEPRINTS.repository,
    "pull-request": BLUEPRINTS.pullRequest,
  };
  const counted = Object.fromEntries(
    (run.summary?.kinds ?? []).map((k) => [k.kind, k.entities + k.unchanged]),
  );
  const wanted = Object.fromEntries(
    Object.entries(blueprintOf).map(([kind, blueprint]) => [kind, expected[blueprint]?.length ?? 0]),
  );
  expect(counted, `the summary of ${run.runId}`).toEqual(wanted);
  let skipped = 0;
  for await (const batch of aws.runtime.store.listBatches(run.runId))
    if (batch.batch.endsWith(":unchanged")) skipped++;
  return skipped;
}

function liveDeletions(): string[] {
  const live = new Set(
    Object.entries(world.expected()).flatMap(([bp, ids]) => ids.map((id) => `${bp}/${id}`)),
  );
  return deleted.splice(0).filter((id) => live.has(id));
}

describe("a crash at any run-table write or Port operation", () => {
  it("never leaves a run unfinished, never deletes a live entity, and the catalog ends equal to the source", async () => {
    const first = await resync(0);
    expect(first.status).toBe("completed");
    expect(world.actual()).toEqual(world.expected());
    const outcomes: Record<string, number> = {};
    let covered = 0;
    for (let k = 1; ; k++) {
      changeSource();
      const run = await resync(k);
      const crashed = crashes.count >= k;
      const where = crashed ? crashes.points[k - 1] : undefined;
      expect(liveDeletions(), `crash #${k} (${where})`).toEqual([]);
      if (!crashed) {
        // Fewer points than k: every point of a run has been crashed at once.
        expect(run.status).toBe("completed");
        expect(world.actual()).toEqual(world.expected());
        await countedOnce(run);
        break;
      }
      covered = k;
      outcomes[run.status] = (outcomes[run.status] ?? 0) + 1;
      if (run.status === "completed") await countedOnce(run);
      else {
        // Ended by the watchdog (failed, deleting nothing): the next run puts everything right.
        const next = await resync(0);
        expect(next.status, `the run after crash #${k} (${where})`).toBe("completed");
        expect(liveDeletions()).toEqual([]);
      }
      expect(world.actual(), `crash #${k} (${where})`).toEqual(world.expected());
    }
    console.log(`crash points covered: ${covered}; runs ended ${JSON.stringify(outcomes)}`);
    expect(covered).toBeGreaterThan(20);
  }, 600_000);

  it("in an unchanged run too: repositories skipped and recorded in groups count once, and none is lost", async () => {
    // The fake's pages change with any change to the org: runs on unchanged data skip repositories.
    expect((await resync(0)).status).toBe("completed");
    expect((await resync(0)).status).toBe("completed");
    let skipped = 0;
    let covered = 0;
    for (let k = 1; ; k++) {
      const run = await resync(k);
      const crashed = crashes.count >= k;
      const where = crashed ? crashes.points[k - 1] : undefined;
      expect(liveDeletions(), `crash #${k} (${where})`).toEqual([]);
      if (run.status === "completed") skipped += await countedOnce(run);
      else expect((await resync(0)).status, `the run after crash #${k} (${where})`).toBe("completed");
      expect(world.actual(), `crash #${k} (${where})`).toEqual(world.expected());
      if (!crashed) break;
      covered = k;
    }
    expect(covered).toBeGreaterThan(10);
    expect(skipped).toBeGreaterThan(0);
  }, 600_000);

  it("a redriven batch of an earlier run does not bring back what a later run deleted", async () => {
    sent.length = 0;
    expect((await resync(0)).status).toBe("completed");
    const [repo] = world.github.org.repoNames();
    const old = sent.find(
      (m) =>
        m.kind === "repository" &&
        m.parts.some((p) => p.items.some((i) => (i as { name?: string }).name === repo)),
    );
    expect(old, "run A sent the repository").toBeDefined();
    world.github.org.removeRepo(repo as string);
    const later = await resync(0);
    expect(later.status).toBe("completed");
    expect(later.summary?.deleted[BLUEPRINTS.repository]).toBe(1);
    // The README's advice after a fix: redrive the DLQ. This message belongs to the earlier run.
    await aws.redrive([{ Body: JSON.stringify(old) }]);
    const deadline = Date.now() + 30_000;
    while ((await aws.queueDepth()) > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    expect(await aws.queueDepth()).toBe(0);
    expect(world.port.entity(BLUEPRINTS.repository, repo as string)).toBeUndefined();
    expect(world.actual()).toEqual(world.expected());
  });
});
