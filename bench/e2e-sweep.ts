/**
 * `npm run bench -- e2e-sweep`: the end-to-end benchmark's first resync (c) under several
 * settings, to choose defaults: the fanout's linger and message size, and the ingest's batch
 * size (messages a delivery) and workers. `SWEEP=linger=0,50;bytes=262144;batch=10;workers=4`
 * picks the grid (every combination); the default grid varies one setting at a time.
 */
import { MemoryContentHashes } from "../lib/local/memory-content-hashes.ts";
import { MemoryRunStore } from "../lib/local/memory-run-store.ts";
import { DEFAULT_FANOUT_OPTIONS } from "../lib/pipeline/fanout.ts";
import { ENTITIES, floor, SHAPE, sum, type TideSettings, tide, warmUp } from "./e2e.ts";
import { startBenchWorld } from "./e2e-world.ts";
import type { BenchRow } from "./row.ts";

interface Point {
  lingerMs: number;
  maxMessageBytes: number;
  batchSize: number;
  workers: number;
}

const BASE: Point = {
  lingerMs: DEFAULT_FANOUT_OPTIONS.lingerMs,
  maxMessageBytes: DEFAULT_FANOUT_OPTIONS.maxMessageBytes,
  batchSize: 10,
  workers: 4,
};

/** One setting at a time around the defaults; linger 0 is one page a message (as before packing). */
const DEFAULT_GRID: Point[] = [
  { ...BASE, lingerMs: 0 },
  { ...BASE, lingerMs: 50 },
  { ...BASE, lingerMs: 200 },
  BASE,
  { ...BASE, lingerMs: 1000 },
  { ...BASE, maxMessageBytes: 64 * 1024 },
  { ...BASE, batchSize: 5 },
  { ...BASE, batchSize: 20 },
  { ...BASE, workers: 8 },
];

const KEYS: Record<string, keyof Point> = {
  linger: "lingerMs",
  bytes: "maxMessageBytes",
  batch: "batchSize",
  workers: "workers",
};

/** `linger=0,50;batch=10,20` → every combination, other settings at their defaults. */
export function parseGrid(spec: string | undefined): Point[] {
  if (!spec) return DEFAULT_GRID;
  let grid: Point[] = [BASE];
  for (const axis of spec.split(";").filter(Boolean)) {
    const [name = "", values = ""] = axis.split("=");
    const key = KEYS[name.trim()];
    if (!key) throw new Error(`SWEEP: unknown setting "${name}" (${Object.keys(KEYS).join(", ")})`);
    const numbers = values.split(",").map((v) => Number(v));
    if (numbers.some((n) => !Number.isInteger(n) || n < 0))
      throw new Error(`SWEEP: ${axis} is not a list of integers`);
    grid = grid.flatMap((point) => numbers.map((n) => ({ ...point, [key]: n })));
  }
  return grid;
}

export async function run(): Promise<BenchRow[]> {
  const grid = parseGrid(process.env.SWEEP);
  const world = await startBenchWorld(SHAPE);
  const rows: BenchRow[] = [];
  try {
    await warmUp(world);
    const f = floor(world.client.concurrency);
    for (const point of grid) {
      const settings: TideSettings = {
        workers: point.workers,
        batchSize: point.batchSize,
        fanout: {
          partitionConcurrency: DEFAULT_FANOUT_OPTIONS.partitionConcurrency,
          lingerMs: point.lingerMs,
          maxMessageBytes: point.maxMessageBytes,
        },
      };
      // A first resync each time: its own run store and no content hashes to skip anything.
      const c = await tide(world, new MemoryRunStore(), new MemoryContentHashes(), settings);
      const written = sum(c.run, "entities");
      const batches = c.run.summary?.batches ?? 0;
      rows.push({
        group: "e2e sweep",
        name:
          `linger ${point.lingerMs} ms, messages ≤ ${point.maxMessageBytes / 1024} KiB, ` +
          `${point.workers} workers × ${point.batchSize} messages`,
        value:
          `${(c.upsertedMs / f.ms).toFixed(3)}× floor, ${(c.stats.total / written).toFixed(4)} req/entity ` +
          `(${c.stats.requests.upsert} upserts, ${batches} batches${written === ENTITIES ? "" : `, ${written} written!`})`,
        target: "≤ 1.15×; ≤ 0.052",
        pass: c.upsertedMs / f.ms <= 1.15 && c.stats.total / written <= 0.052 && written === ENTITIES,
      });
      console.error(`${rows.at(-1)?.name}: ${rows.at(-1)?.value}`);
    }
  } finally {
    await world.close();
  }
  return rows;
}
