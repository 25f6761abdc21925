import { type Clock, realClock } from "../http/clock.ts";
import { compileConfig, configWarnings, type PortAppConfig } from "../mapping/index.ts";
import { findKind, kindNames } from "../source/kinds.ts";
import type { Source } from "../source/types.ts";
import type { ContinueEvent, Invoker, Queue, ReconcileEvent, WatchdogEvent } from "./contracts/index.ts";
import { Enumeration, kindName } from "./enumeration.ts";
import { ResyncRequestError, RunLockedError } from "./errors.ts";
import { type FinishDeps, finishReconciling, maybeFinish } from "./finish.ts";
import { newRunId } from "./ids.ts";
import { planIncremental } from "./incremental.ts";
import type { Logger } from "./logger.ts";
import { resourceFiles } from "./resource-kind.ts";
import type { RunRecord, Trigger } from "./run.ts";
import { DEFAULT_STALL_BOUNDS, endStalledRun, isStalled } from "./watchdog.ts";

export interface FanoutOptions {
  /** The largest message body, in bytes (SQS allows up to 1 MiB; 256 KiB keeps batches small). */
  maxMessageBytes: number;
  /**
   * How long a resource's message waits for more pages (of any of its partitions) before it
   * goes part full: small pages (a repository's 7 pull requests) then travel together.
   */
  lingerMs: number;
  /** Partitions of one resource (e.g. repositories for pull requests) enumerated at once. */
  partitionConcurrency: number;
  /** Below this much remaining invocation time, save cursors and continue in a new invocation. */
  marginMs: number;
  /** A run lock not touched for this long belongs to a dead run and may be taken over. */
  lockStaleAfterMs: number;
}

export const DEFAULT_FANOUT_OPTIONS: FanoutOptions = {
  maxMessageBytes: 256 * 1024,
  lingerMs: 500,
  partitionConcurrency: 16,
  marginMs: 90_000,
  lockStaleAfterMs: 20 * 60_000,
};

export interface StartEvent {
  type: "start";
  trigger: Trigger;
  /** Only the resources of these kinds; a partial run deletes only within what it covered. */
  kinds?: string[];
  /** Abort a run still in progress instead of refusing to start. */
  supersede?: boolean;
  /** Chosen by the caller so it can print it before the run starts (`tide resync`). */
  runId?: string;
  /** Send every entity even if unchanged since this integration last wrote it. */
  fullRewrite?: boolean;
  /**
   * List only what changed since the last completed run, in the kinds that can (see
   * `incremental.ts`), and delete nothing; a full resync when that cannot be done safely.
   */
  incremental?: boolean;
}

export type FanoutEvent = StartEvent | ContinueEvent | ReconcileEvent | WatchdogEvent;

export interface FanoutDeps extends FinishDeps {
  integrationId: string;
  /** The config a new run snapshots; continuations use the run's snapshot instead. */
  config: PortAppConfig;
  source: Source;
  queue: Queue;
  invoker: Invoker;
  log: Logger;
  options: FanoutOptions;
  /** Milliseconds left in this invocation (Lambda's `getRemainingTimeInMillis`). */
  remainingMs: () => number;
  /** Sees each page's raw items (e.g. to send Port examples for its mapping editor); must not throw. */
  examples?: { offer(kind: string, items: readonly unknown[]): void };
  /** What a continuation waits for a rate limit's reset on; default the real clock. */
  clock?: Clock;
}

export type FanoutResult =
  | { outcome: "continuing"; runId: string; continuation: number; resumeAt?: string }
  | { outcome: "reconciled"; run: RunRecord | undefined }
  | { outcome: "watched"; ended?: RunRecord }
  | { outcome: "enumerated"; run: RunRecord }
  | { outcome: "stopped"; runId: string; status: string };

/**
 * One fanout invocation: opens a run (or continues one), enumerates every resource's pages
 * into the queue with a checkpoint per page, and either hands over to a continuation before
 * time runs out or marks enumeration finished (which may finish the run).
 *
 * @example
 * const result = await runFanout(deps, { type: "start", trigger: "manual" });
 * if (result.outcome === "continuing") console.log(`continues as ${result.runId}`);
 */
export async function runFanout(deps: FanoutDeps, event: FanoutEvent): Promise<FanoutResult> {
  if (event.type === "reconcile")
    return { outcome: "reconciled", run: await finishReconciling(deps, event.runId) };
  if (event.type === "watchdog") {
    const ended = await endStalledRun(deps, deps.integrationId, deps.stall ?? DEFAULT_STALL_BOUNDS);
    return ended ? { outcome: "watched", ended } : { outcome: "watched" };
  }
  const { run, config, waiting } =
    event.type === "start"
      ? { ...(await openRun(deps, event)), waiting: false }
      : await resumeRun(deps, event);
  if (run.status !== "running") return { outcome: "stopped", runId: run.runId, status: run.status };
  if (waiting && event.type === "continue") {
    await deps.store.updateRun(run.runId, {}); // still alive, waiting for the API: not stalled
    await deps.invoker.continueFanout({ ...event, continuation: event.continuation });
    return {
      outcome: "continuing",
      runId: run.runId,
      continuation: event.continuation,
      resumeAt: event.resumeAt,
    };
  }
  const enumeration = new Enumeration(deps, run, config);
  await enumeration.run();
  if (enumeration.stopped) {
    const continuation = run.continuations + 1;
    await deps.store.updateRun(run.runId, { continuations: continuation });
    const resumeAt = enumeration.resumeAt ? new Date(enumeration.resumeAt).toISOString() : undefined;
    await deps.invoker.continueFanout({ type: "continue", runId: run.runId, continuation, resumeAt });
    deps.log.info("fanout continues in a new invocation", { runId: run.runId, continuation, resumeAt });
    return { outcome: "continuing", runId: run.runId, continuation, resumeAt };
  }
  for (const resource of run.resources) await deps.store.markEnumerated(run.runId, resource);
  const enumerated = (await deps.store.updateRun(run.runId, { enumerated: true })) ?? run;
  deps.log.info("enumeration finished", { runId: run.runId, batches: enumerated.sent });
  const finished = await maybeFinish(deps, enumerated);
  return { outcome: "enumerated", run: finished ?? enumerated };
}

async function openRun(deps: FanoutDeps, event: StartEvent) {
  const { config, store, integrationId } = deps;
  // A start retried after a crash (Lambda retries a failed asynchronous invoke) goes on with its run.
  const retried = event.runId ? await store.getRun(event.runId) : undefined;
  if (retried) {
    const snapshot = await store.getConfig(retried.runId);
    if (snapshot) return { run: retried, config: snapshot };
  }
  const selected = selectResources(config, deps.source, event.kinds);
  // Every jq expression compiles before anything is written (a ConfigError names file, field, line).
  await compileConfig(config);
  const plan = event.incremental
    ? await planIncremental(store, integrationId, config, deps.source, selected)
    : undefined;
  const incremental = plan && "scope" in plan ? plan : undefined;
  const resources = incremental?.resources ?? selected;
  const runId = event.runId ?? newRunId();
  const bounds = deps.stall ?? DEFAULT_STALL_BOUNDS;
  // The watchdog's check at every start: a stalled run ends (failed) and frees the lock.
  await endStalledRun(deps, integrationId, bounds);
  const lockOptions = { staleAfterMs: deps.options.lockStaleAfterMs, supersede: false };
  let lock = await store.acquireLock(integrationId, runId, lockOptions);
  if (!lock.acquired) {
    const holder = await store.getRun(lock.holder);
    // A lock whose run never began or has ended is left over from a crash: take it.
    const leftOver = !holder || (holder.status !== "running" && holder.status !== "reconciling");
    if (!leftOver && !event.supersede)
      throw new RunLockedError(lock.holder, lock.since, "is still running; pass supersede to abort it");
    if (
      holder?.status === "reconciling" &&
      !isStalled(holder, { ...bounds, reconcilingMs: bounds.resumeAfterMs })
    ) {
      throw new RunLockedError(lock.holder, lock.since, "is deleting stale entities; try again when it ends");
    }
    // A reconciliation step silent for `resumeAfterMs` has died: it may be superseded too.
    if (holder && !leftOver && !(await store.transition(holder.runId, holder.status, "aborted"))) {
      throw new RunLockedError(lock.holder, lock.since, "could not be aborted");
    }
    lock = await store.acquireLock(integrationId, runId, { ...lockOptions, supersede: true });
    deps.log.warn(
      leftOver ? "took over a lock left by a run that ended" : "superseded a run still in progress",
      {
        runId,
        aborted: lock.acquired ? lock.superseded : undefined,
      },
    );
  }
  const run: RunRecord = {
    runId,
    integrationId,
    trigger: event.trigger,
    status: "running",
    startedAt: new Date().toISOString(),
    resources,
    full: !incremental && resources.length === config.resources.length,
    ...(incremental ? { incremental: incremental.scope } : {}),
    ...(plan && "full" in plan ? { fullBecause: plan.full } : {}),
    enumerated: false,
    sent: 0,
    settled: 0,
    continuations: 0,
    ...(event.fullRewrite ? { fullRewrite: true } : {}),
  };
  await store.createRun(run, config);
  await store.initProgress(
    runId,
    resources.map((resource) => ({ resource, kind: kindName(config, resource) })),
  );
  await reportRunning(deps, run);
  // Keys Ocean ignores are ignored here too, but said, so a typo does not go unnoticed.
  for (const warning of configWarnings(config)) deps.log.warn(warning, { runId });
  deps.log.info("resync started", {
    runId,
    trigger: event.trigger,
    kinds: resources.map((r) => kindName(config, r)),
    ...(run.incremental ? { incremental: run.incremental } : {}),
    ...(run.fullBecause ? { fullBecause: `a full resync, not incremental: ${run.fullBecause}` } : {}),
  });
  return { run, config };
}

async function resumeRun(deps: FanoutDeps, event: ContinueEvent) {
  const run = await deps.store.getRun(event.runId);
  const config = await deps.store.getConfig(event.runId);
  if (!run || !config) throw new ResyncRequestError(`run ${event.runId} is not in the run table (expired?)`);
  // Wait for the API's reset here rather than re-hitting its limit in a tight loop of
  // invocations; a wait longer than this invocation can afford spans several of them.
  const clock = deps.clock ?? realClock;
  const wait = event.resumeAt ? Date.parse(event.resumeAt) - clock.now() : 0;
  const affordable = Math.max(0, deps.remainingMs() - deps.options.marginMs);
  if (wait > 0) await clock.sleep(Math.min(wait, affordable));
  return { run, config, waiting: wait > affordable };
}

async function reportRunning(deps: FanoutDeps, run: RunRecord) {
  try {
    await deps.catalog.reportResync?.({ status: "running", start: run.startedAt });
  } catch (error) {
    deps.log.warn("could not report the resync state to Port", { error: (error as Error).message });
  }
}

function selectResources(config: PortAppConfig, source: Source, kinds: string[] | undefined): number[] {
  for (const [index, resource] of config.resources.entries()) {
    if (!findKind(source, resource.kind)) {
      throw new ResyncRequestError(
        `resources[${index}].kind: "${resource.kind}" is not a kind of the ${source.name} source (${kindNames(source).join(", ")})`,
      );
    }
    const files = resourceFiles(resource);
    if (files.length > 0 && !source.readFile) {
      throw new ResyncRequestError(
        `resources[${index}] (kind ${resource.kind}) reads files (${files.join(", ")}), which the ${source.name} source cannot read`,
      );
    }
  }
  const indexes = config.resources.map((_, index) => index);
  if (!kinds || kinds.length === 0) return indexes;
  const configured = new Set(config.resources.map((r) => r.kind));
  const unknown = kinds.filter((k) => !configured.has(k));
  if (unknown.length > 0) {
    throw new ResyncRequestError(
      `--kinds: ${unknown.join(", ")} not in the config (it has ${[...configured].join(", ")})`,
    );
  }
  return indexes.filter((index) => kinds.includes(kindName(config, index)));
}
