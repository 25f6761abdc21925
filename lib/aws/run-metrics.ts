import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import {
  OUTCOME_DIMENSION,
  OUTCOME_METRICS,
  OUTCOME_SERVICE,
  type RunOutcomes,
} from "../pipeline/outcomes.ts";
import type { RunRecord, RunSummary } from "../pipeline/run.ts";

/**
 * Run outcomes as CloudWatch metrics (Powertools, embedded metric format in the function's log):
 * one data point per ended run, published at once. A run ends in the fanout or in an ingest, so
 * the metrics carry `service: tide` and the integration id, never the function's own service name,
 * and one alarm sees both.
 *
 * @example
 * const outcomes = new CloudWatchRunOutcomes("Tide");
 * await maybeFinish({ ...deps, outcomes }, run);
 */
export class CloudWatchRunOutcomes implements RunOutcomes {
  readonly #namespace: string | undefined;

  constructor(namespace = process.env.POWERTOOLS_METRICS_NAMESPACE) {
    this.#namespace = namespace;
  }

  runEnded(run: RunRecord, summary: RunSummary): void {
    const metrics = new Metrics({
      ...(this.#namespace ? { namespace: this.#namespace } : {}),
      serviceName: OUTCOME_SERVICE,
      defaultDimensions: { [OUTCOME_DIMENSION]: run.integrationId },
    });
    const status = outcomeOf(summary);
    for (const key of ["completed", "partial", "failed", "aborted"] as const) {
      metrics.addMetric(OUTCOME_METRICS[key], MetricUnit.Count, key === status ? 1 : 0);
    }
    metrics.addMetric(
      OUTCOME_METRICS.deletionsHeldBack,
      MetricUnit.Count,
      summary.deletion.held?.length ?? 0,
    );
    const deleted = Object.values(summary.deleted).reduce((sum, n) => sum + n, 0);
    metrics.addMetric(OUTCOME_METRICS.deleted, MetricUnit.Count, deleted);
    metrics.addMetric(OUTCOME_METRICS.failures, MetricUnit.Count, summary.failureCount);
    metrics.addMetric(OUTCOME_METRICS.duration, MetricUnit.Milliseconds, summary.durationMs);
    metrics.publishStoredMetrics();
  }
}

/** `partial`: the run completed but some items failed (so it deleted nothing). */
export function outcomeOf(summary: RunSummary): "completed" | "partial" | "failed" | "aborted" {
  if (summary.status === "completed") return summary.failureCount > 0 ? "partial" : "completed";
  return summary.status === "aborted" ? "aborted" : "failed";
}
