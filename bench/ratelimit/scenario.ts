/**
 * One rate-limited resync through the real local pipeline (fanout with continuations, memory
 * queue, ingest, run store, Port client), on the world's fast clock, and what it cost.
 */
import { MemoryRunStore } from "../../lib/local/memory-run-store.ts";
import { resyncLocal } from "../../lib/local/resync.ts";
import type { Catalog } from "../../lib/pipeline/contracts/index.ts";
import type { Logger } from "../../lib/pipeline/logger.ts";
import type { RunRecord } from "../../lib/pipeline/run.ts";
import type { GitHubFakeStats } from "../../test/fakes/github/server.ts";
import { BLUEPRINTS, HOUR, PORT_LIMIT, type RateLimitWorld, type Shape } from "./world.ts";

/** A fanout Lambda's timeout in the stack (infra/props.ts): each invocation lives 15 minutes at most. */
export const INVOCATION_MS = 15 * 60_000;
const PER_PAGE = 100;
const PER_UPSERT = 20;

export interface ScenarioResult {
  run: RunRecord;
  simMs: number;
  realMs: number;
  /** Fanout invocations: the first, continuations, and those that only waited for a reset. */
  invocations: number;
  /** Continuations that began because the source said to slow down (a rate limit), with their resumeAt. */
  slowDowns: string[];
  github: GitHubFakeStats;
  port: { total: number; limited: number; upserts: number; peakPerWindow: number };
  inPort: { repositories: number; pullRequests: number };
}

/** The fewest GitHub requests the shape needs: the repository listing once, then each repository's pull requests. */
export function minimumPages(shape: Shape): number {
  return Math.ceil(shape.repos / PER_PAGE) + shape.repos * Math.ceil(shape.pullsPerRepo / PER_PAGE);
}

/**
 * When the last of `pages` requests can go out at the earliest, with `perHour` per window and
 * the first window opening at the first request: the binding limit's floor.
 */
export function limitFloorMs(pages: number, perHour: number): number {
  return Math.floor((pages - 1) / perHour) * HOUR;
}

export async function runScenario(world: RateLimitWorld, label: string): Promise<ScenarioResult> {
  const { clock } = world;
  const slowDowns: string[] = [];
  const log: Logger = {
    debug() {},
    info(message, extra) {
      if (process.env.RATELIMIT_TRACE) console.error(hoursAt(), message, JSON.stringify(extra));
    },
    warn(message, extra) {
      if (process.env.RATELIMIT_TRACE) console.error(hoursAt(), message, JSON.stringify(extra));
      if (message.startsWith("source asked to slow down")) slowDowns.push(String(extra?.resumeAt));
    },
    error(message, extra) {
      console.error(`ratelimit bench: ${message}`, extra);
    },
  };
  const simStart = clock.now();
  const hoursAt = () => `${((clock.now() - simStart) / HOUR).toFixed(3)} h`;
  const counted = countedCatalog(world.catalog, () => clock.now());
  let invocations = 0;
  const realStart = performance.now();
  // A run takes minutes of real time: say where it is now and then.
  const progress = setInterval(async () => {
    const { requests } = await world.github.stats();
    const at = `${((clock.now() - simStart) / HOUR).toFixed(2)} h simulated`;
    console.error(`ratelimit ${label}: ${at}, ${requests} GitHub requests, ${invocations} invocations`);
  }, 30_000);
  const { run } = await resyncLocal({
    integrationId: world.client.integrationId,
    config: world.config,
    source: world.source,
    catalog: counted.catalog,
    compile: world.compile,
    store: new MemoryRunStore(),
    clock,
    log,
    // Each invocation a Lambda's 15 minutes on the simulated clock, with the default margin.
    remainingTime: () => {
      invocations += 1;
      const deadline = clock.now() + INVOCATION_MS;
      return () => deadline - clock.now();
    },
  }).finally(() => clearInterval(progress));
  const simMs = clock.now() - simStart;
  const realMs = performance.now() - realStart;
  const seen = await world.port.inspect([BLUEPRINTS.repository, BLUEPRINTS.pullRequest]);
  return {
    run,
    simMs,
    realMs,
    invocations,
    slowDowns,
    github: await world.github.stats(),
    port: {
      total: seen.total,
      limited: seen.limited,
      upserts: seen.requests.bulkUpsert ?? 0,
      peakPerWindow: counted.peak(),
    },
    inPort: {
      repositories: seen.entities[BLUEPRINTS.repository] ?? 0,
      pullRequests: seen.entities[BLUEPRINTS.pullRequest] ?? 0,
    },
  };
}

/** The catalog, counting upsert requests by Port's 5-minute window (on the simulated clock). */
function countedCatalog(inner: Catalog, now: () => number) {
  const windowMs = PORT_LIMIT.periodSec * 1000;
  const perWindow = new Map<number, number>();
  const catalog: Catalog = {
    description: inner.description,
    upsert: (blueprint, entities, options) => {
      const window = Math.floor(now() / windowMs);
      perWindow.set(window, (perWindow.get(window) ?? 0) + Math.ceil(entities.length / PER_UPSERT));
      return inner.upsert(blueprint, entities, options);
    },
    listOwned: (blueprint) => inner.listOwned(blueprint),
    delete: (blueprint, identifiers, options) => inner.delete(blueprint, identifiers, options),
    reportResync: (state) => inner.reportResync?.(state) ?? Promise.resolve(),
  };
  return { catalog, peak: () => Math.max(0, ...perWindow.values()) };
}
