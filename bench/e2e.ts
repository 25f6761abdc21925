/**
 * `npm run bench -- e2e`: 100,000 entities (5,000 repositories and their 95,000 pull
 * requests, 19 each) from GitHub (50 ms a page) to Port (50 ms a request), three ways:
 * (a) naive, (b) Ocean's loop, (c) Tide's local pipeline with its defaults; then (c) again
 * on the same, unchanged data, which should send Port (almost) nothing.
 */
import { MemoryContentHashes } from "../lib/local/memory-content-hashes.ts";
import { MemoryRunStore } from "../lib/local/memory-run-store.ts";
import { resyncLocal } from "../lib/local/resync.ts";
import type { Catalog, ContentHashes } from "../lib/pipeline/contracts/index.ts";
import { DEFAULT_FANOUT_OPTIONS, type FanoutOptions } from "../lib/pipeline/fanout.ts";
import type { RunRecord } from "../lib/pipeline/run.ts";
import type { Entity, PortStats } from "../lib/port/index.ts";
import { enumerateKind, getKind } from "../lib/source/index.ts";
import { type BaselineResult, naive, oceanLoop } from "./e2e-baselines.ts";
import { type BenchWorld, INTEGRATION, type Shape, startBenchWorld } from "./e2e-world.ts";
import { OriginProbe, type ProbeReport } from "./port-probe.ts";
import type { BenchRow } from "./row.ts";
import { floorMs as enumerationFloorMs } from "./source.ts";

export const SHAPE: Shape = { repos: 5_000, pullsPerRepo: 19, latencyMs: 50 };
export const ENTITIES = SHAPE.repos * (1 + SHAPE.pullsPerRepo);
/** Defaults throughout: the fanout's partition concurrency, resyncLocal's ingest workers and batch size. */
const PARTITIONS = DEFAULT_FANOUT_OPTIONS.partitionConcurrency;
const INGEST_WORKERS = 4;
const BATCH_SIZE = 10;
/** The serial loops (a) and (b) run on the first 300 repositories (3 listing pages): 6% of every step. */
const SUBSET_REPOS = 300;
const PER_PAGE = 100;
const PER_REQUEST = 20;
const CALIBRATION_ENTITIES = 20_000;

/** What the pipeline runs with: resyncLocal's ingest workers and batch size, fanout options. */
export interface TideSettings {
  workers: number;
  batchSize: number;
  fanout: Partial<FanoutOptions>;
}

const DEFAULTS: TideSettings = {
  workers: INGEST_WORKERS,
  batchSize: BATCH_SIZE,
  fanout: { partitionConcurrency: PARTITIONS },
};

export interface TideResult {
  run: RunRecord;
  wallMs: number;
  /** Until the last upsert answered: what (a) and (b) are timed to. */
  upsertedMs: number;
  /** From the first search for this integration's entities to the run's end. */
  reconcileMs: number;
  stats: PortStats;
  serverRequests: number;
  /** Port requests until the last upsert: how busy the pipeline kept Port. */
  probe: ProbeReport;
}

/** The Port catalog, timed: when the last upsert with entities answered, when reconciliation began listing. */
function timed(inner: Catalog) {
  const marks = { lastUpsert: 0, firstList: 0 };
  const catalog: Catalog = {
    description: inner.description,
    upsert: async (blueprint, entities, options) => {
      const outcomes = await inner.upsert(blueprint, entities, options);
      if (entities.length > 0) marks.lastUpsert = performance.now();
      return outcomes;
    },
    listOwned: (blueprint) => {
      marks.firstList ||= performance.now();
      return inner.listOwned(blueprint);
    },
    delete: (blueprint, identifiers, options) => inner.delete(blueprint, identifiers, options),
    reportResync: (state) => inner.reportResync?.(state) ?? Promise.resolve(),
  };
  return { catalog, marks };
}

function diff(after: PortStats, before: PortStats): PortStats {
  const requests = { ...after.requests };
  for (const k of Object.keys(requests) as Array<keyof PortStats["requests"]>)
    requests[k] -= before.requests[k];
  return { requests, retries: after.retries - before.retries, total: after.total - before.total };
}

export async function tide(
  world: BenchWorld,
  store: MemoryRunStore,
  hashes: ContentHashes,
  settings = DEFAULTS,
): Promise<TideResult> {
  const { catalog, marks } = timed(world.catalog);
  const before = world.client.stats;
  const serverBefore = await world.portRequests();
  const probe = new OriginProbe(world.client.baseUrl);
  probe.start();
  const started = performance.now();
  const { run } = await resyncLocal({
    integrationId: INTEGRATION,
    config: world.config,
    source: world.source,
    catalog,
    compile: world.compile,
    store,
    hashes,
    concurrency: settings.workers,
    batchSize: settings.batchSize,
    fanout: settings.fanout,
  });
  const ended = performance.now();
  const lastUpsert = marks.lastUpsert || ended;
  const report = probe.stop(lastUpsert);
  if (run.status !== "completed")
    throw new Error(`bench resync ended ${run.status}: ${JSON.stringify(run.summary)}`);
  return {
    run,
    wallMs: ended - started,
    upsertedMs: lastUpsert - started,
    reconcileMs: marks.firstList ? ended - marks.firstList : 0,
    stats: diff(world.client.stats, before),
    serverRequests: (await world.portRequests()) - serverBefore,
    probe: report,
  };
}

/** Reads every page once, untimed: the fake renders and keeps each one, so its thread only waits later. */
export async function warmUp(world: Pick<BenchWorld, "config" | "source">): Promise<void> {
  for (const spec of world.config.resources) {
    const { query: _, ...selector } = spec.selector ?? {};
    await enumerateKind(getKind(world.source, spec.kind), { selector, concurrency: 64, onPage: () => {} });
  }
}

/** The Port client alone on this machine now: bulk upserts into a blueprint of their own, nothing else running. */
async function calibrate(world: BenchWorld): Promise<ProbeReport & { wallMs: number }> {
  const blueprint = "benchCalibration";
  const schema = { properties: { n: { type: "number" as const } } };
  await world.client.createBlueprint({ identifier: blueprint, title: "Calibration", schema });
  const entities: Entity[] = Array.from({ length: CALIBRATION_ENTITIES }, (_, n) => ({
    identifier: `calibration-${n}`,
    blueprint,
    properties: { n },
  }));
  const probe = new OriginProbe(world.client.baseUrl);
  probe.start();
  const started = performance.now();
  await world.client.upsertEntities(blueprint, entities, {
    merge: true,
    createMissingRelatedEntities: false,
  });
  const wallMs = performance.now() - started;
  return { ...probe.stop(), wallMs };
}

/** The floor and its inputs: what no client could beat with these latencies and bounds. */
export function floor(concurrency: number) {
  const { repos, pullsPerRepo, latencyMs } = SHAPE;
  const listingPages = Math.ceil(repos / PER_PAGE);
  const repositoryMs = listingPages * latencyMs;
  const pullRequestMs = enumerationFloorMs(repos, Math.ceil(pullsPerRepo / PER_PAGE), PARTITIONS, latencyMs);
  const enumerationMs = Math.max(repositoryMs, pullRequestMs);
  const requests = Math.ceil(ENTITIES / PER_REQUEST);
  const portMs = (requests * latencyMs) / concurrency;
  const inputs =
    `max(enumeration ${sec(enumerationMs)} [repository: ${listingPages} pages in series; pull-request: ` +
    `${listingPages} listing + ${repos.toLocaleString("en")} pages, ${PARTITIONS} partitions at once], ` +
    `Port ${sec(portMs)} [ceil(${ENTITIES.toLocaleString("en")}/${PER_REQUEST}) = ${requests.toLocaleString("en")} ` +
    `requests × ${latencyMs} ms ÷ concurrency ${concurrency}])`;
  return { ms: Math.max(enumerationMs, portMs), inputs };
}

const sec = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const perEntity = (requests: number, entities: number) => (requests / entities).toFixed(4);
export const sum = (run: RunRecord, field: "entities" | "unchanged") =>
  (run.summary?.kinds ?? []).reduce((n, k) => n + k[field], 0);

function baselineRow(label: string, result: BaselineResult): { row: BenchRow; ms: number } {
  const scale = ENTITIES / result.entities;
  const ms = result.wallMs * scale;
  const p = result.phases;
  const phases = `fetch ${sec(p.fetchMs ?? 0)}, map ${sec(p.mapMs ?? 0)}, upsert ${sec(p.upsertMs ?? 0)}`;
  const row: BenchRow = {
    group: "end-to-end",
    name:
      `${label}: measured on ${SUBSET_REPOS} repos = ${result.entities.toLocaleString("en")} entities in ` +
      `${sec(result.wallMs)} (${phases}), × ${scale.toFixed(2)} (linear: every step is per page or per entity)`,
    value: `${sec(ms)}, ${perEntity(result.requests, result.entities)} req/entity`,
    target: "",
  };
  return { row, ms };
}

export async function run(): Promise<BenchRow[]> {
  const world = await startBenchWorld(SHAPE);
  try {
    await warmUp(world);
    const store = new MemoryRunStore();
    const hashes = new MemoryContentHashes();
    const c = await tide(world, store, hashes);
    const again = await tide(world, store, hashes);
    const b = await oceanLoop(world, SUBSET_REPOS);
    const a = await naive(world, SUBSET_REPOS, world.client.concurrency);
    const alone = await calibrate(world);
    return rows(world.client.concurrency, a, b, c, again, alone);
  } finally {
    await world.close();
  }
}

function rows(
  concurrency: number,
  a: BaselineResult,
  b: BaselineResult,
  c: TideResult,
  again: TideResult,
  alone: ProbeReport & { wallMs: number },
): BenchRow[] {
  const f = floor(concurrency);
  const written = sum(c.run, "entities");
  const ratio = c.upsertedMs / f.ms;
  const ocean = baselineRow("(b) Ocean's loop: page → map → awaited bulk upsert, serially", b);
  const plain = baselineRow(
    `(a) naive: fetch all pages serially, then 1 entity/request, ${concurrency} at once`,
    a,
  );
  const upserts = c.stats.requests.upsert;
  // What one request costs on this machine now, Port client and emulator alone.
  const aloneMs = (alone.wallMs * concurrency) / alone.requests;
  const atMeasured = (upserts * aloneMs) / concurrency;
  const unchanged = sum(again.run, "unchanged");
  const secondPerEntity = again.stats.total / ENTITIES;
  const r = again.stats.requests;
  return [
    {
      group: "end-to-end",
      name:
        `${ENTITIES.toLocaleString("en")} entities (${SHAPE.repos.toLocaleString("en")} repos + ${SHAPE.pullsPerRepo} ` +
        `PRs each), GitHub and Port ${SHAPE.latencyMs} ms: floor = ${f.inputs}`,
      value: sec(f.ms),
      target: "",
    },
    {
      group: "end-to-end",
      name:
        `(c) Tide local pipeline, defaults (${PARTITIONS} partitions at once, ${INGEST_WORKERS} ingest workers × ` +
        `${BATCH_SIZE} messages, Port concurrency ${concurrency}), until every entity is in Port: wall / floor`,
      value:
        `${sec(c.upsertedMs)} = ${ratio.toFixed(3)}×, ${perEntity(c.stats.total, written)} req/entity ` +
        `(${upserts.toLocaleString("en")} upserts for ${written.toLocaleString("en")} entities)`,
      target: "≤ 1.10× floor",
      pass: ratio <= 1.1 && written === ENTITIES,
    },
    {
      group: "end-to-end",
      name:
        `(c) how busy Port was: requests in flight on average (of ${concurrency}); round trip p50 / p90 ` +
        `(Port client alone, same machine: ${aloneMs.toFixed(1)} ms a request)`,
      value:
        `${c.probe.meanInFlight.toFixed(2)}; ${c.probe.p50Ms.toFixed(0)} / ${c.probe.p90Ms.toFixed(0)} ms ` +
        `(${upserts.toLocaleString("en")} upserts at ${aloneMs.toFixed(1)} ms = ${sec(atMeasured)}: ` +
        `(c) is ${(c.upsertedMs / atMeasured).toFixed(3)}× that)`,
      target: "",
    },
    {
      group: "end-to-end",
      name: `(c) whole run, reconciliation included (it lists this integration's entities: ${c.stats.requests.search} search pages)`,
      value: `${sec(c.wallMs)} (reconciliation ${sec(c.reconcileMs)})`,
      target: "",
    },
    ocean.row,
    {
      group: "end-to-end",
      name: "(c) faster than (b)",
      value: `${(ocean.ms / c.upsertedMs).toFixed(1)}×`,
      target: "≥ 1.8×",
      pass: ocean.ms / c.upsertedMs >= 1.8,
    },
    plain.row,
    {
      group: "end-to-end",
      name: "(c) faster than (a)",
      value: `${(plain.ms / c.upsertedMs).toFixed(1)}×`,
      target: "≥ 10×",
      pass: plain.ms / c.upsertedMs >= 10,
    },
    {
      group: "second resync",
      name:
        `(c) again on unchanged data, same run store and content hashes: Port requests per entity ` +
        `(${again.stats.total} = ${r.upsert} upserts + ${r.search} searches + ${r.integration} resync state + ` +
        `${r.auth} auth; ${unchanged.toLocaleString("en")} entities unchanged)`,
      value: `${secondPerEntity.toFixed(4)} in ${sec(again.wallMs)} (Port saw ${again.serverRequests})`,
      target: "≤ 0.005",
      pass: secondPerEntity <= 0.005 && unchanged === ENTITIES,
    },
  ];
}

if (import.meta.main) console.table(await run());
