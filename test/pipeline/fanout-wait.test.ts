import { afterEach, expect, it } from "vitest";
import { MemoryQueue } from "../../lib/local/memory-queue.ts";
import { MemoryRunStore } from "../../lib/local/memory-run-store.ts";
import type { ContinueEvent } from "../../lib/pipeline/contracts/index.ts";
import { DEFAULT_FANOUT_OPTIONS, runFanout } from "../../lib/pipeline/fanout.ts";
import { silentLogger } from "../../lib/pipeline/logger.ts";
import { startWorld, type World } from "../support/world.ts";

let world: World | undefined;
afterEach(async () => world?.close());

it("waits out a rate-limit reset across invocations instead of calling the API again early", async () => {
  world = await startWorld();
  const store = new MemoryRunStore();
  const continued: ContinueEvent[] = [];
  const deps = {
    integrationId: "wait",
    config: world.config,
    source: world.source,
    store,
    catalog: world.catalog,
    queue: new MemoryQueue({ batchSize: 10, concurrency: 1, maxReceiveCount: 3 }),
    invoker: { continueFanout: async (event: ContinueEvent) => void continued.push(event) },
    log: silentLogger,
    options: { ...DEFAULT_FANOUT_OPTIONS, marginMs: 1000 },
    remainingMs: () => 1050, // 50 ms this invocation can afford to wait
  };
  // Open a run whose first invocation is out of time at once: it hands over immediately.
  await runFanout({ ...deps, remainingMs: () => 0 }, { type: "start", trigger: "manual" });
  const runId = continued[0]!.runId;
  world.github.resetStats();

  const resumeAt = new Date(Date.now() + 60 * 60_000).toISOString();
  const started = Date.now();
  const result = await runFanout(deps, { type: "continue", runId, continuation: 1, resumeAt });
  expect(result).toMatchObject({ outcome: "continuing", resumeAt });
  expect(Date.now() - started).toBeGreaterThanOrEqual(45);
  expect(world.github.stats.requests).toBe(0);
  expect(continued.at(-1)).toEqual({ type: "continue", runId, continuation: 1, resumeAt });
});
