import type { Catalog, ContentHashes, PartitionMemos, RunStore } from "./contracts/index.ts";
import type { Logger } from "./logger.ts";
import type { RunOutcomes } from "./outcomes.ts";
import { reconcile } from "./reconcile.ts";
import type { RunRecord } from "./run.ts";
import type { SecondLook } from "./second-look.ts";
import { DEFAULT_STALL_BOUNDS, progressAt, type StallBounds } from "./watchdog.ts";

export interface FinishDeps {
  store: RunStore;
  catalog: Catalog;
  log: Logger;
  /** Forgotten for deleted entities, so one that comes back is written again. */
  hashes?: ContentHashes;
  /**
   * Partition memos (see `memo.ts`): the fanout skips a partition whose pages the source says
   * are unchanged since its memo; reconciliation of a run without failures writes them.
   */
  memos?: PartitionMemos;
  /**
   * A second look at the source, to confirm absence before deleting and to repair what Port
   * lost. Without it reconciliation deletes nothing (and says so).
   */
  look?: SecondLook;
  /** Told of every run this step ends (metrics in AWS). */
  outcomes?: RunOutcomes;
  /**
   * Hands reconciliation to its own invocation (the fanout function, `{type:"reconcile"}`), so
   * a long deletion has a whole invocation and a crash is retried on its own. Absent: inline.
   */
  handOff?: (runId: string) => Promise<void>;
  /** When a run counts as stalled; the defaults suit Lambda. */
  stall?: StallBounds;
}

/**
 * Finishes the run if this step was its last: enumeration over and every batch settled.
 * Cheap counters say when to look; an exact count of unsettled batches confirms; a
 * conditional status change makes exactly one caller reconcile. Returns the finished run,
 * or undefined when the run is not finished by this call.
 */
export async function maybeFinish(
  deps: FinishDeps,
  run: RunRecord | undefined,
): Promise<RunRecord | undefined> {
  if (run?.status !== "running" || !run.enumerated || run.settled < run.sent) return undefined;
  const { store } = deps;
  if ((await store.countUnsettled(run.runId)) > 0) return undefined;
  if (deps.handOff) {
    // Handed off before the status changes: a crash before the hand-off leaves the run
    // `running`, and the redelivered message (a duplicate) checks again and hands off.
    deps.log.info("every batch is settled: reconciliation handed to its own invocation", {
      runId: run.runId,
    });
    await deps.handOff(run.runId);
    return undefined;
  }
  return finishReconciling(deps, run.runId);
}

/**
 * The reconciliation step: claims the run (`running` → `reconciling`, exactly once) or takes
 * over from a step that died (silent for `resumeAfterMs`), reconciles, ends the run, releases
 * its lock and tells Port. Idempotent: reconciling again after a crash deletes nothing twice
 * (what is gone counts as gone); a run that ended already, or whose step is alive, is left.
 * Beats a heartbeat while it works, so the watchdog can tell a dead step from a long one.
 *
 * @example
 * await finishReconciling(deps, event.runId); // the fanout function, on {type: "reconcile"}
 */
export async function finishReconciling(deps: FinishDeps, runId: string): Promise<RunRecord | undefined> {
  const { store } = deps;
  const bounds = deps.stall ?? DEFAULT_STALL_BOUNDS;
  const run = await store.getRun(runId);
  if (!run) return undefined;
  if (run.status === "running") {
    if (!run.enumerated || (await store.countUnsettled(runId)) > 0) return run;
    if (!(await store.transition(runId, "running", "reconciling"))) return store.getRun(runId);
    deps.log.info("every batch is settled: reconciling", { runId });
  } else if (run.status === "reconciling") {
    if (Date.now() - progressAt(run) <= bounds.resumeAfterMs) return run;
    deps.log.warn("the reconciliation step went silent: reconciling again", { runId });
  } else return run;
  // Touch at once (a takeover) and then regularly.
  await store.updateRun(runId, {});
  const heartbeat = setInterval(
    () => {
      store.updateRun(runId, {}).catch(() => {});
    },
    Math.max(10, bounds.resumeAfterMs / 3),
  );
  heartbeat.unref?.();
  let summary: Awaited<ReturnType<typeof reconcile>>;
  try {
    summary = await reconcile(deps, run);
  } catch (error) {
    // Whatever went wrong, the run ends failed and visible, never stuck in `reconciling`.
    deps.log.error("reconciliation failed", { runId: run.runId, error: (error as Error).message });
    summary = await reconcile(deps, run, { failure: (error as Error).message });
  } finally {
    clearInterval(heartbeat);
  }
  if (!(await store.transition(run.runId, "reconciling", summary.status, summary)))
    return store.getRun(runId);
  await store.releaseLock(run.integrationId, run.runId);
  try {
    await deps.catalog.reportResync?.({
      status: summary.status,
      start: run.startedAt,
      end: new Date().toISOString(),
    });
  } catch (error) {
    deps.log.warn("could not report the resync state to Port", { error: (error as Error).message });
  }
  deps.log.info(`resync ${summary.status}`, { runId: run.runId, summary });
  try {
    await deps.outcomes?.runEnded(run, summary);
  } catch (error) {
    deps.log.warn("could not record the run's outcome", { error: (error as Error).message });
  }
  return store.getRun(run.runId);
}
