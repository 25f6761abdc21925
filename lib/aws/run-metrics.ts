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
 * A custom metric is billed for each hour it is published in, so a clean run publishes two
 * (`RunCompleted`, `RunDuration`); the others are published only when they are not zero, which
 * is all an alarm on "≥ 1, missing data not breaching" or a graph with `FILL(m, 0)` needs.
 * `RunCompleted` is published at 0 too: "no completed run" is its alarm's question.
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
    metrics.addMetric(OUTCOME_METRICS.completed, MetricUnit.Count, status === "completed" ? 1 : 0);
    metrics.addMetric(OUTCOME_METRICS.duration, MetricUnit.Milliseconds, summary.durationMs);
    const deleted = Object.values(summary.deleted).reduce((sum, n) => sum + n, 0);
    const whenSome = {
      ...(status === "completed" ? {} : { [OUTCOME_METRICS[status]]: 1, [OUTCOME_METRICS.notClean]: 1 }),
      [OUTCOME_METRICS.deletionsHeldBack]: summary.deletion.held?.length ?? 0,
      [OUTCOME_METRICS.deleted]: deleted,
      [OUTCOME_METRICS.failures]: summary.failureCount,
    };
    for (const [name, value] of Object.entries(whenSome)) {
      if (value > 0) metrics.addMetric(name, MetricUnit.Count, value);
    }
    metrics.publishStoredMetrics();
  }
}

/** `partial`: the run completed but some items failed (so it deleted nothing). */
export function outcomeOf(summary: RunSummary): "completed" | "partial" | "failed" | "aborted" {
  if (summary.status === "completed") return summary.failureCount > 0 ? "partial" : "completed";
  return summary.status === "aborted" ? "aborted" : "failed";
}
