import { type Clock, realClock } from "../http/clock.ts";
import type { PortAppConfig } from "../mapping/index.ts";
import type {
  Catalog,
  ContentHashes,
  Invoker,
  PartitionMemos,
  RunStore,
} from "../pipeline/contracts/index.ts";
import {
  DEFAULT_FANOUT_OPTIONS,
  type FanoutDeps,
  type FanoutEvent,
  type FanoutOptions,
  type FanoutResult,
  runFanout,
} from "../pipeline/fanout.ts";
import { newRunId } from "../pipeline/ids.ts";
import { ingest } from "../pipeline/ingest.ts";
import { type Logger, silentLogger } from "../pipeline/logger.ts";
import { type CompileResource, RunMappers } from "../pipeline/mappers.ts";
import type { RunRecord, Trigger } from "../pipeline/run.ts";
import { sourceSecondLook } from "../pipeline/second-look.ts";
import type { Source } from "../source/types.ts";
import { MemoryQueue } from "./memory-queue.ts";
import { MemoryRunStore } from "./memory-run-store.ts";

export interface LocalResyncOptions {
  integrationId: string;
  config: PortAppConfig;
  source: Source;
  catalog: Catalog;
  compile: CompileResource;
  store?: RunStore;
  /** Content hashes to skip unchanged entities; pass the same one to later runs of the process. */
  hashes?: ContentHashes;
  /** Partition memos to skip partitions the source says are unchanged; pass the same one to later runs. */
  memos?: PartitionMemos;
  fullRewrite?: boolean;
  /** Only what changed since the last completed run kept in `store`; deletes nothing (see `incremental.ts`). */
  incremental?: boolean;
  kinds?: string[];
  trigger?: Trigger;
  supersede?: boolean;
  /** Concurrent ingest workers (the Lambda event source's `maxConcurrency`). */
  concurrency?: number;
  batchSize?: number;
  maxReceiveCount?: number;
  retryDelayMs?: number;
  fanout?: Partial<FanoutOptions>;
  /** How long each fanout invocation may run, to rehearse continuations; unlimited by default. */
  invocationMs?: number;
  /** For each new invocation, its clock of remaining time (overrides `invocationMs`; tests count pages with it). */
  remainingTime?: () => () => number;
  log?: Logger;
  /** Called with the run id as soon as the run is open, e.g. to show progress. */
  onStart?: (runId: string) => void;
  /**
   * Aborting stops the run cleanly (Ctrl-C): no further page is listed, batches not yet being
   * ingested are abandoned, in-flight writes finish, the run ends `aborted` (in Port's resync
   * state too) and nothing is deleted.
   */
  signal?: AbortSignal;
  /** Sees each page's raw items (Port's kind examples). */
  examples?: FanoutDeps["examples"];
  /** The run id to use (a caller that took the run lock for it already). */
  runId?: string;
  /** The clock invocations' time and rate-limit waits run on (the rate-limit benchmark skips the waits). */
  clock?: Clock;
}

export interface LocalResyncResult {
  run: RunRecord;
  store: RunStore;
  /** Raw messages that failed for good, as a dead-letter queue would keep them. */
  deadLetters: string[];
}

/**
 * A whole resync in this process: the same fanout, ingest and reconcile code as in Lambda,
 * with an in-memory queue and run store and `concurrency` ingest workers.
 *
 * @example
 * const { run } = await resyncLocal({ integrationId: "github", config, source, catalog, compile: compileResource });
 * console.log(run.status, run.summary?.kinds);
 */
export async function resyncLocal(options: LocalResyncOptions): Promise<LocalResyncResult> {
  const log = options.log ?? silentLogger;
  const store = options.store ?? new MemoryRunStore();
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const queue = new MemoryQueue({
    batchSize: options.batchSize ?? 10,
    concurrency: options.concurrency ?? 4,
    maxReceiveCount,
    retryDelayMs: options.retryDelayMs,
  });
  const mappers = new RunMappers(store, options.compile);
  const look = sourceSecondLook({ source: () => options.source, mappers });
  const finish = { store, catalog: options.catalog, log, hashes: options.hashes, memos: options.memos, look };
  queue.consume((messages) => ingest({ ...finish, mappers, maxReceiveCount }, messages));

  const invocations: Array<Promise<FanoutResult>> = [];
  const invoker: Invoker = {
    // Like Lambda's asynchronous invoke: returns at once, runs as a new invocation.
    async continueFanout(event) {
      if (options.signal?.aborted) return;
      invocations.push(new Promise((resolve) => setImmediate(resolve)).then(() => invoke(event)));
    },
  };
  const fanoutOptions = { ...DEFAULT_FANOUT_OPTIONS, ...options.fanout };
  if (options.invocationMs === undefined && !options.remainingTime) fanoutOptions.marginMs = 0;
  const time = options.clock ?? realClock;
  const invoke = (event: FanoutEvent) => {
    const deadline = time.now() + (options.invocationMs ?? Number.POSITIVE_INFINITY);
    const clock = options.remainingTime?.() ?? (() => deadline - time.now());
    // Once aborted, the fanout sees its time run out (below any margin, 0 included): it
    // checkpoints and hands over to a continuation, which the invoker above never starts.
    const remainingMs = () => (options.signal?.aborted ? -1 : clock());
    return runFanout(
      {
        ...finish,
        integrationId: options.integrationId,
        config: options.config,
        source: options.source,
        queue,
        invoker,
        log,
        options: fanoutOptions,
        remainingMs,
        examples: options.examples,
        clock: time,
      },
      event,
    );
  };

  const runId = options.runId ?? newRunId();
  const first = invoke({
    type: "start",
    runId,
    trigger: options.trigger ?? "local",
    kinds: options.kinds,
    supersede: options.supersede,
    fullRewrite: options.fullRewrite,
    ...(options.incremental ? { incremental: true } : {}),
  });
  options.onStart?.(runId);
  const onAbort = () => queue.drop();
  options.signal?.addEventListener("abort", onAbort);
  await first;
  for (let done = 0; done < invocations.length; done++) await invocations[done];
  if (options.signal?.aborted) queue.drop();
  await queue.idle();
  options.signal?.removeEventListener("abort", onAbort);
  if (options.signal?.aborted) await abort(finish, runId, log);

  const run = await store.getRun(runId);
  if (!run) throw new Error(`run ${runId} vanished from the run store`);
  return { run, store, deadLetters: queue.deadLetters.map((m) => m.body) };
}

/** Ends a stopped run `aborted` (unless it ended anyway), frees the lock, and tells Port. Deletes nothing. */
async function abort(deps: { store: RunStore; catalog: Catalog }, runId: string, log: Logger): Promise<void> {
  const run = await deps.store.getRun(runId);
  // A run that got to reconcile anyway ended by itself (its ingest awaited the reconciliation).
  if (run?.status !== "running" || !(await deps.store.transition(runId, "running", "aborted"))) return;
  await deps.store.releaseLock(run.integrationId, runId);
  try {
    await deps.catalog.reportResync?.({
      status: "aborted",
      start: run.startedAt,
      end: new Date().toISOString(),
    });
  } catch (error) {
    log.warn("could not report the aborted resync to Port", { error: (error as Error).message });
  }
}
