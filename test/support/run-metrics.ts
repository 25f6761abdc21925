/**
 * What the real outcome emitter publishes for one ended run: the embedded-metric-format line
 * Powertools writes to stdout, as CloudWatch Logs receives it. Shared by the alarm tests (alarms
 * watch exactly what is emitted) and the cost benchmark (custom metrics a clean run publishes).
 */
import { CloudWatchRunOutcomes } from "../../lib/aws/run-metrics.ts";
import type { RunRecord, RunSummary } from "../../lib/pipeline/run.ts";

export interface Emf {
  _aws: {
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }>;
  };
  [key: string]: unknown;
}

const run = { runId: "r1", integrationId: "github-acme", status: "reconciling" } as RunRecord;

/** A run's summary: completed, clean and quick unless `over` says otherwise. */
export const summary = (over: Partial<RunSummary> = {}): RunSummary => ({
  status: "completed",
  durationMs: 1000,
  kinds: [],
  failures: [],
  failureCount: 0,
  deleted: {},
  deletion: { performed: true, toDelete: 0, found: 0 },
  continuations: 0,
  batches: 1,
  ...over,
});

/** The metrics published for a run that ended with `ended`, captured from stdout. */
export function emitted(ended: RunSummary, namespace = "TideTest"): Emf {
  const lines: string[] = [];
  const write = process.stdout.write;
  const log = console.log;
  process.stdout.write = ((chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  }) as typeof process.stdout.write;
  console.log = (...args: unknown[]) => {
    lines.push(args.join(" "));
  };
  try {
    new CloudWatchRunOutcomes(namespace).runEnded(run, ended);
  } finally {
    process.stdout.write = write;
    console.log = log;
  }
  const emf = lines.map((l) => l.trim()).find((l) => l.includes('"_aws"'));
  if (!emf) throw new Error(`no metrics emitted: ${lines.join("\n")}`);
  return JSON.parse(emf) as Emf;
}

/** The metric names of one emitted set, sorted. */
export const metricNames = (emf: Emf) =>
  emf._aws.CloudWatchMetrics.flatMap((d) => d.Metrics.map((m) => m.Name)).sort();
