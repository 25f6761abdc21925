import type { RunRecord, RunSummary } from "./run.ts";

/**
 * Where a run's outcome goes once it ended, besides the run store: CloudWatch metrics in AWS
 * (alarms on failed or partial runs, held-back deletions, no completed run), nothing locally.
 */
export interface RunOutcomes {
  runEnded(run: RunRecord, summary: RunSummary): void | Promise<void>;
}

/** The names of the outcome metrics, shared by the emitter and the alarms that watch them. */
export const OUTCOME_METRICS = {
  completed: "RunCompleted",
  partial: "RunPartial",
  failed: "RunFailed",
  aborted: "RunAborted",
  /** Any of partial, failed or aborted: the one metric the run alarm watches (an alarm is billed per metric it reads). */
  notClean: "RunNotClean",
  deletionsHeldBack: "DeletionsHeldBack",
  deleted: "EntitiesDeleted",
  failures: "RunFailures",
  duration: "RunDuration",
} as const;

/** Outcome metrics carry this dimension (and `service: tide`), whichever function ended the run. */
export const OUTCOME_DIMENSION = "IntegrationId";
export const OUTCOME_SERVICE = "tide";
