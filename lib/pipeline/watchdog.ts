import type { FinishDeps } from "./finish.ts";
import { reconcile } from "./reconcile.ts";
import type { RunRecord } from "./run.ts";

/** How long a run may go without progress before the watchdog ends it. */
export interface StallBounds {
  /**
   * While enumerating and ingesting. Longer than one fanout invocation (15 minutes at most)
   * and a source's rate-limit wait within it: a run that moves at all moves within this.
   */
  runningMs: number;
  /** While reconciling, whose step beats a heartbeat every third of `resumeAfterMs`. */
  reconcilingMs: number;
  /**
   * A reconciliation step silent this long has died: a retried step (Lambda retries a failed
   * asynchronous invocation twice, a minute or more apart) takes over from it.
   */
  resumeAfterMs: number;
}

export const DEFAULT_STALL_BOUNDS: StallBounds = {
  runningMs: 30 * 60_000,
  reconcilingMs: 5 * 60_000,
  resumeAfterMs: 45_000,
};

const ACTIVE = new Set(["running", "reconciling"]);

/** When the run last moved (its start, when it never did), in epoch milliseconds. */
export function progressAt(run: RunRecord): number {
  return run.progressAt ?? Date.parse(run.startedAt);
}

/** Whether a run still in progress has not moved for longer than its bound. */
export function isStalled(run: RunRecord, bounds: StallBounds, now = Date.now()): boolean {
  if (!ACTIVE.has(run.status)) return false;
  const bound = run.status === "reconciling" ? bounds.reconcilingMs : bounds.runningMs;
  return now - progressAt(run) > bound;
}

/**
 * The watchdog: ends the integration's latest run if its progress stalled (an invocation that
 * died and was not retried, a message lost for good), as `failed` with the reason in its
 * summary, deleting nothing; releases its lock and tells Port. Runs on a schedule in the
 * stack and at the start of every run (locally too). Returns the run it ended, if any.
 *
 * @example
 * const ended = await endStalledRun(deps, "tide-github", DEFAULT_STALL_BOUNDS);
 * if (ended) console.log(`ended ${ended.runId}: ${ended.summary?.deletion.reason}`);
 */
export async function endStalledRun(
  deps: FinishDeps,
  integrationId: string,
  bounds: StallBounds,
  now = Date.now(),
): Promise<RunRecord | undefined> {
  const run = await deps.store.latestRun(integrationId);
  if (!run || !isStalled(run, bounds, now)) return undefined;
  const minutes = Math.round((now - progressAt(run)) / 60_000);
  const reason = `no progress since ${new Date(progressAt(run)).toISOString()} (${minutes} min, while ${run.status}): ended by the watchdog, nothing deleted`;
  const summary = await reconcile(deps, run, { failure: reason });
  summary.deletion.reason = reason;
  if (!(await deps.store.transition(run.runId, run.status, "failed", summary))) return undefined;
  deps.log.error("run stalled: ended by the watchdog", { runId: run.runId, reason });
  await deps.store.releaseLock(integrationId, run.runId);
  try {
    await deps.catalog.reportResync?.({
      status: "failed",
      start: run.startedAt,
      end: new Date(now).toISOString(),
    });
  } catch (error) {
    deps.log.warn("could not report the resync state to Port", { error: (error as Error).message });
  }
  return deps.store.getRun(run.runId);
}
