/**
 * Small pages of many partitions share messages (the outbox), and the run table still counts
 * every entity exactly once: each part keeps its own batch id, registered before its message
 * is sent and settled by the ingest, even when a crashed fanout sends some parts again.
 */
import { afterEach, expect, it } from "vitest";
import { PortCatalog } from "../../lib/catalog/port-catalog.ts";
import { MemoryRunStore } from "../../lib/local/memory-run-store.ts";
import { compileResource } from "../../lib/mapping/index.ts";
import type { RunStore } from "../../lib/pipeline/contracts/index.ts";
import { DEFAULT_FANOUT_OPTIONS, type FanoutOptions, runFanout } from "../../lib/pipeline/fanout.ts";
import { ingest } from "../../lib/pipeline/ingest.ts";
import { silentLogger } from "../../lib/pipeline/logger.ts";
import { RunMappers } from "../../lib/pipeline/mappers.ts";
import { type IngestMessage, MESSAGE_VERSION } from "../../lib/pipeline/message.ts";
import type { Source } from "../../lib/source/types.ts";
import { INTEGRATION, startThingWorld, type ThingWorld, thingSummary, things } from "../bad-input/harness.ts";

let world: ThingWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

const PARTITIONS = 40;
const PER_PARTITION = 3;
const ALL = PARTITIONS * PER_PARTITION;

/** Things in 40 partitions (think repositories), each one small page of 3 (its pull requests). */
const source: Source = {
  name: "things",
  kinds: {
    thing: {
      name: "thing",
      async *partitions() {
        for (let p = 0; p < PARTITIONS; p++) yield `p${p}`;
      },
      async *pages(options) {
        yield { items: things(PER_PARTITION, options?.partition), cursor: null };
      },
    },
  },
};

class Crash extends Error {
  override readonly name = "Crash";
}

/** The run table as a fanout invocation sees it: dead (every call fails) once it crashed. */
function crashingAfter(store: RunStore, checkpoints: number): RunStore {
  let saved = 0;
  let dead = false;
  return new Proxy(store, {
    get(target, name) {
      const value = Reflect.get(target, name) as unknown;
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        if (dead) throw new Crash("the invocation is dead");
        if (name === "saveCheckpoint" && ++saved > checkpoints) {
          dead = true;
          throw new Crash(`crashed at checkpoint ${saved}`);
        }
        return value.apply(target, args);
      };
    },
  });
}

function fanoutDeps(w: ThingWorld, store: RunStore, sent: IngestMessage[], options: Partial<FanoutOptions>) {
  return {
    integrationId: INTEGRATION,
    config: w.config,
    source,
    store,
    catalog: new PortCatalog(w.client, INTEGRATION),
    queue: { send: async (messages: IngestMessage[]) => void sent.push(...structuredClone(messages)) },
    invoker: { continueFanout: async () => {} },
    log: silentLogger,
    options: { ...DEFAULT_FANOUT_OPTIONS, marginMs: 0, ...options },
    remainingMs: () => 15 * 60_000,
  };
}

/** Delivers messages ten at a time, as the SQS event source would, each delivery ingested once. */
async function ingestAll(w: ThingWorld, store: RunStore, messages: IngestMessage[]) {
  const deps = {
    store,
    catalog: new PortCatalog(w.client, INTEGRATION),
    log: silentLogger,
    mappers: new RunMappers(store, compileResource),
    maxReceiveCount: 3,
  };
  let duplicates = 0;
  for (let i = 0; i < messages.length; i += 10) {
    const delivery = messages.slice(i, i + 10).map((m, k) => ({
      id: `m-${i + k}`,
      body: JSON.stringify(m),
      receiveCount: 1,
    }));
    const report = await ingest(deps, delivery);
    expect(report.retry).toEqual([]);
    duplicates += report.duplicates;
  }
  return duplicates;
}

const expectedIds = () =>
  Array.from({ length: PARTITIONS }, (_, p) => things(PER_PARTITION, `p${p}`).map((t) => t.id as string))
    .flat()
    .sort();

it("puts the small pages of many partitions into few messages; every entity lands in Port once", async () => {
  world = await startThingWorld();
  const store = new MemoryRunStore();
  const sent: IngestMessage[] = [];
  const result = await runFanout(
    fanoutDeps(world, store, sent, { lingerMs: 60_000, maxMessageBytes: 4_096 }),
    {
      type: "start",
      trigger: "manual",
    },
  );
  if (result.outcome !== "enumerated") throw new Error(`fanout: ${result.outcome}`);
  const parts = sent.flatMap((m) => m.parts);
  expect(parts).toHaveLength(PARTITIONS); // one part a page, each its own batch
  expect(new Set(parts.map((p) => p.batch)).size).toBe(PARTITIONS);
  expect(sent.length).toBeLessThanOrEqual(PARTITIONS / 4);
  for (const m of sent) {
    expect(m.v).toBe(MESSAGE_VERSION);
    expect(Buffer.byteLength(JSON.stringify(m))).toBeLessThanOrEqual(4_096);
  }
  expect(result.run.sent).toBe(PARTITIONS);

  expect(await ingestAll(world, store, sent)).toBe(0);
  const run = await store.getRun(result.run.runId);
  expect(run?.status).toBe("completed");
  expect(thingSummary(run!)).toMatchObject({ items: ALL, entities: ALL, failures: 0 });
  expect(world.ids()).toEqual(expectedIds());
});

it("a fanout that crashes after sending, before checkpointing, counts each entity once after its retry", async () => {
  world = await startThingWorld();
  const store = new MemoryRunStore();
  const sent: IngestMessage[] = [];
  const options = { lingerMs: 60_000, maxMessageBytes: 2_048, partitionConcurrency: 8 };
  const runId = "20261202T000000Z-c0ffee";
  const start = { type: "start" as const, trigger: "manual" as const, runId };
  // The first invocation dies at its 10th checkpoint: later pages of its messages were sent, not checkpointed.
  await expect(runFanout(fanoutDeps(world, crashingAfter(store, 9), sent, options), start)).rejects.toThrow(
    Crash,
  );
  const beforeRetry = sent.length;
  expect(beforeRetry).toBeGreaterThan(0);
  // Lambda retries the failed asynchronous invoke: the same start event goes on with its run.
  const retried = await runFanout(fanoutDeps(world, store, sent, options), start);
  expect(retried.outcome).toBe("enumerated");
  const batches = sent.flatMap((m) => m.parts.map((p) => p.batch));
  expect(batches.length).toBeGreaterThan(new Set(batches).size); // some parts were sent twice
  expect(new Set(batches).size).toBe(PARTITIONS);

  // Each message delivered; the first invocation's again at the end, as SQS may.
  const duplicates = await ingestAll(world, store, [...sent, ...sent.slice(0, beforeRetry)]);
  expect(duplicates).toBe(
    batches.length - PARTITIONS + sent.slice(0, beforeRetry).flatMap((m) => m.parts).length,
  );
  const run = await store.getRun(runId);
  expect(run?.status).toBe("completed");
  expect(run?.sent).toBe(PARTITIONS);
  expect(thingSummary(run!)).toMatchObject({ items: ALL, entities: ALL, failures: 0 });
  expect(world.ids()).toEqual(expectedIds());
});

const PAGES = 20;

/** One partition of 20 pages of 2 things, resumable at any page. */
const longListing: Source = {
  name: "things",
  kinds: {
    thing: {
      name: "thing",
      async *pages(options) {
        for (let p = Number(options?.cursor ?? 0); p < PAGES; p++)
          yield { items: things(2, `page${p}`), cursor: p === PAGES - 1 ? null : p + 1 };
      },
    },
  },
};

it("does not hold a partition's next pages for its linger: one partition's pages fill messages in order", async () => {
  world = await startThingWorld();
  const store = new MemoryRunStore();
  const sent: IngestMessage[] = [];
  // One partition of many pages (think a long repository listing), and a linger of a minute.
  const result = await runFanout(
    { ...fanoutDeps(world, store, sent, { lingerMs: 60_000 }), source: longListing },
    { type: "start", trigger: "manual" },
  );
  if (result.outcome !== "enumerated") throw new Error(`fanout: ${result.outcome}`);
  const parts = sent.flatMap((m) => m.parts);
  // Every page once, in order, several to a message.
  expect(parts.map((p) => (p.items[0] as { id: string }).id)).toEqual(
    Array.from({ length: PAGES }, (_, p) => `page${p}-1`),
  );
  expect(sent.length).toBeLessThan(PAGES / 4);
  const [checkpoint] = await store.getCheckpoints(result.run.runId, 0);
  expect(checkpoint).toMatchObject({ done: true, cursor: null, seq: PAGES });

  expect(await ingestAll(world, store, sent)).toBe(0);
  expect((await store.getRun(result.run.runId))?.status).toBe("completed");
});

it("a fanout that crashes with a partition's later pages sent but not checkpointed counts each page once after its retry", async () => {
  world = await startThingWorld();
  const store = new MemoryRunStore();
  const sent: IngestMessage[] = [];
  const options = { lingerMs: 60_000 };
  const runId = "20261202T000000Z-0ddba11";
  const start = { type: "start" as const, trigger: "manual" as const, runId };
  const deps = (runStore: RunStore) => ({
    ...fanoutDeps(world!, runStore, sent, options),
    source: longListing,
  });
  // Dies at its 5th checkpoint, while the pages after it are already in sent messages.
  await expect(runFanout(deps(crashingAfter(store, 4)), start)).rejects.toThrow(Crash);
  const beforeRetry = sent.flatMap((m) => m.parts).length;
  expect(beforeRetry).toBeGreaterThan(5);
  const [saved] = await store.getCheckpoints(runId, 0);
  expect(saved).toMatchObject({ cursor: 4, seq: 4, done: false });

  const retried = await runFanout(deps(store), start);
  expect(retried.outcome).toBe("enumerated");
  const batches = sent.flatMap((m) => m.parts.map((p) => p.batch));
  expect(new Set(batches).size).toBe(PAGES); // pages sent twice kept their batch ids
  expect(await ingestAll(world, store, sent)).toBe(batches.length - PAGES);
  const run = await store.getRun(runId);
  expect(run?.status).toBe("completed");
  expect(thingSummary(run!)).toMatchObject({ items: PAGES * 2, entities: PAGES * 2, failures: 0 });
});
