import type { Logger } from "./logger.ts";
import type { RunOutcomes } from "./outcomes.ts";
import type { Catalog, ContentHashes, RunStore } from "./ports.ts";
import { reconcile } from "./reconcile.ts";
import type { RunRecord } from "./run.ts";
import type { SecondLook } from "./second-look.ts";

export interface FinishDeps {
  store: RunStore;
  catalog: Catalog;
  log: Logger;
  /** Forgotten for deleted entities, so one that comes back is written again. */
  hashes?: ContentHashes;
  /**
   * A second look at the source, to confirm absence before deleting and to repair what Port
   * lost. Without it reconciliation deletes nothing (and says so).
   */
  look?: SecondLook;
  /** Told of every run this step ends (metrics in AWS). */
  outcomes?: RunOutcomes;
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
  if (!(await store.transition(run.runId, "running", "reconciling"))) return undefined;
  deps.log.info("every batch is settled: reconciling", { runId: run.runId });
  let summary: Awaited<ReturnType<typeof reconcile>>;
  try {
    summary = await reconcile(deps, run);
  } catch (error) {
    // Whatever went wrong, the run ends failed and visible, never stuck in `reconciling`.
    deps.log.error("reconciliation failed", { runId: run.runId, error: (error as Error).message });
    summary = await reconcile(deps, run, { failure: (error as Error).message });
  }
  await store.transition(run.runId, "reconciling", summary.status, summary);
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
