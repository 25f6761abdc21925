/**
 * One fanout run in a process of its own, for `bench/memory.ts`, which bundles this file
 * with esbuild first (as the fanout Lambda is bundled: no TypeScript loader in the process).
 * Enumerates every pull request of the org at `TIDE_BENCH_GITHUB_URL` with the real GitHub
 * source and `runFanout`, into a queue that only counts what it is sent (the fanout's memory
 * is measured, not the queue's), with the in-memory run store, and prints JSON on stdout.
 */

import { MemoryRunStore } from "../lib/local/memory-run-store.ts";
import type { PortAppConfig } from "../lib/mapping/index.ts";
import type { Catalog, Queue } from "../lib/pipeline/contracts/index.ts";
import { DEFAULT_FANOUT_OPTIONS, runFanout } from "../lib/pipeline/fanout.ts";
import { silentLogger } from "../lib/pipeline/logger.ts";
import { createGitHubSource } from "../lib/source/github/index.ts";

export interface MemoryChildResult {
  items: number;
  messages: number;
  messageBytes: number;
  wallMs: number;
  /** RSS after imports and setup, before the fanout starts. */
  baselineMB: number;
  /**
   * Highest RSS sampled every 10 ms while the fanout ran. Not `resourceUsage().maxRSS`: on
   * Linux a spawned child inherits its parent's high-water mark from before `exec`.
   */
  peakSampledMB: number;
  /** Highest V8 heap (`heapTotal`) and off-heap memory (`external`: buffers) sampled. */
  peakHeapMB: number;
  peakExternalMB: number;
  /** Heap still in use after a full GC once the fanout is done: what it (and the run store) kept. */
  retainedHeapMB: number;
}

const env = (name: string) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set (bench/memory-child.ts is started by bench/memory.ts)`);
  return value;
};

const counted = { items: 0, messages: 0, messageBytes: 0 };
const queue: Queue = {
  async send(messages) {
    for (const message of messages) {
      counted.messages++;
      for (const part of message.parts) counted.items += part.items.length;
      counted.messageBytes += Buffer.byteLength(JSON.stringify(message));
    }
  },
};
// The fanout never upserts; it only reports progress (not here) and may try to finish the run.
const catalog: Catalog = {
  description: "nowhere (memory benchmark)",
  upsert: () => Promise.reject(new Error("the fanout does not upsert")),
  listOwned: async function* () {},
  delete: () => Promise.reject(new Error("the fanout does not delete")),
};

const source = createGitHubSource({
  org: env("TIDE_BENCH_GITHUB_ORG"),
  apiUrl: env("TIDE_BENCH_GITHUB_URL"),
  token: env("TIDE_BENCH_GITHUB_TOKEN"),
});
const config = JSON.parse(env("TIDE_BENCH_CONFIG")) as PortAppConfig;
const mb = (bytes: number) => bytes / (1024 * 1024);

globalThis.gc?.();
const baseline = process.memoryUsage().rss;
let peak = baseline;
let peakHeap = 0;
let peakExternal = 0;
const sample = () => {
  const usage = process.memoryUsage();
  peak = Math.max(peak, usage.rss);
  peakHeap = Math.max(peakHeap, usage.heapTotal);
  peakExternal = Math.max(peakExternal, usage.external);
};
const sampler = setInterval(sample, 10);
const started = performance.now();
const result = await runFanout(
  {
    integrationId: "bench-memory",
    config,
    source,
    queue,
    store: new MemoryRunStore(),
    catalog,
    invoker: { continueFanout: () => Promise.reject(new Error("no continuation expected")) },
    log: silentLogger,
    options: {
      ...DEFAULT_FANOUT_OPTIONS,
      partitionConcurrency: Number(env("TIDE_BENCH_PARTITIONS")),
      marginMs: 0,
    },
    remainingMs: () => Number.POSITIVE_INFINITY,
  },
  { type: "start", trigger: "local" },
);
const wallMs = performance.now() - started;
clearInterval(sampler);
sample();
if (result.outcome !== "enumerated") throw new Error(`fanout ended ${result.outcome}`);

globalThis.gc?.();
const out: MemoryChildResult = {
  ...counted,
  wallMs,
  baselineMB: mb(baseline),
  peakSampledMB: mb(peak),
  peakHeapMB: mb(peakHeap),
  peakExternalMB: mb(peakExternal),
  retainedHeapMB: mb(process.memoryUsage().heapUsed),
};
process.stdout.write(`${JSON.stringify(out)}\n`);
