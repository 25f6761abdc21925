// Outcome alarms watch exactly what the functions emit: the metrics are captured from the real
// Powertools emitter (embedded metric format on stdout, as CloudWatch Logs receives it) and
// matched against the synthesized alarms' namespace, metric names and dimensions.
import { AwsSolutionsChecks } from "cdk-nag";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { CloudWatchRunOutcomes } from "../../lib/aws/run-metrics.ts";
import type { RunRecord, RunSummary } from "../../lib/pipeline/run.ts";
import { type Synthesized, synthTide } from "./synth.ts";

interface Emf {
  _aws: {
    CloudWatchMetrics: Array<{ Namespace: string; Dimensions: string[][]; Metrics: Array<{ Name: string }> }>;
  };
  [key: string]: unknown;
}

const run = { runId: "r1", integrationId: "github-acme", status: "reconciling" } as RunRecord;
const summary = (over: Partial<RunSummary>): RunSummary => ({
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

function emitted(s: RunSummary): Emf {
  const lines: string[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk) => {
    lines.push(String(chunk));
    return true;
  });
  const log = vi.spyOn(console, "log").mockImplementation((...args) => {
    lines.push(args.join(" "));
  });
  try {
    new CloudWatchRunOutcomes("TideTest").runEnded(run, s);
  } finally {
    spy.mockRestore();
    log.mockRestore();
  }
  const emf = lines.map((l) => l.trim()).find((l) => l.includes('"_aws"'));
  if (!emf) throw new Error(`no metrics emitted: ${lines.join("\n")}`);
  return JSON.parse(emf) as Emf;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("run outcome metrics", () => {
  it("count one run as completed, partial (items failed), failed or aborted", () => {
    expect(emitted(summary({})).RunCompleted).toBe(1);
    const partial = emitted(summary({ failureCount: 3 }));
    expect([partial.RunCompleted, partial.RunPartial, partial.RunFailures]).toEqual([0, 1, 3]);
    expect(emitted(summary({ status: "failed" })).RunFailed).toBe(1);
    const held = emitted(
      summary({
        deletion: { performed: false, toDelete: 9, found: 10, held: [{ blueprint: "b", reason: "r" }] },
      }),
    );
    expect(held.DeletionsHeldBack).toBe(1);
  });
});

describe("outcome alarms", () => {
  let s: Synthesized;
  let emf: Emf;
  beforeAll(() => {
    s = synthTide(
      { tide: { integrationId: "github-acme", metricsNamespace: "TideTest" } },
      { bundle: false },
    );
    emf = emitted(summary({}));
  });
  type AlarmProps = {
    AlarmName?: string;
    MetricName?: string;
    Namespace?: string;
    Dimensions?: Array<{ Name: string; Value: string }>;
    Metrics?: Array<{ Id: string; Expression?: string; MetricStat?: { Metric: AlarmProps } }>;
    Period?: number;
    EvaluationPeriods: number;
    ComparisonOperator: string;
    TreatMissingData: string;
    Threshold: number;
  };
  const alarms = () =>
    Object.entries(s.template.findResources("AWS::CloudWatch::Alarm")).map(
      ([id, r]) => [id, r.Properties as AlarmProps] as const,
    );
  const alarm = (idPart: string) => {
    const found = alarms().find(([id]) => id.includes(idPart));
    if (!found) throw new Error(`no alarm ${idPart}`);
    return found[1];
  };
  const dimensionsOf = (p: AlarmProps) =>
    Object.fromEntries((p.Dimensions ?? []).map((d) => [d.Name, d.Value]));

  it("watch the namespace, names and dimensions the functions emit", () => {
    const [directive] = emf._aws.CloudWatchMetrics;
    const emittedDims = Object.fromEntries((directive?.Dimensions[0] ?? []).map((name) => [name, emf[name]]));
    const names = new Set(directive?.Metrics.map((m) => m.Name));
    const watched = [
      alarm("DeletionsHeldBack"),
      alarm("NoCompletedRun"),
      ...(alarm("RunFailedOrPartial").Metrics ?? []).flatMap((m) =>
        m.MetricStat ? [m.MetricStat.Metric] : [],
      ),
    ];
    expect(watched).toHaveLength(5);
    for (const metric of watched) {
      expect(metric.Namespace).toBe(directive?.Namespace);
      expect(names).toContain(metric.MetricName);
      expect(dimensionsOf(metric)).toEqual(emittedDims);
    }
  });

  it("raise on any failed, partial or aborted run and on held-back deletions", () => {
    const failed = alarm("RunFailedOrPartial");
    expect(failed.Metrics?.find((m) => m.Expression)?.Expression).toBe(
      "FILL(failed, 0) + FILL(partial, 0) + FILL(aborted, 0)",
    );
    expect([failed.Threshold, failed.ComparisonOperator]).toEqual([1, "GreaterThanOrEqualToThreshold"]);
    expect(alarm("DeletionsHeldBack").Threshold).toBe(1);
  });

  it("raise when no run completed for 2 schedule periods, also when nothing is emitted at all", () => {
    const none = alarm("NoCompletedRun");
    expect(none).toMatchObject({
      Period: 6 * 3600,
      EvaluationPeriods: 2,
      ComparisonOperator: "LessThanThreshold",
      Threshold: 1,
      TreatMissingData: "breaching",
    });
    const hourly = synthTide({ tide: { schedule: "rate(30 minutes)" } }, { bundle: false });
    hourly.template.hasResourceProperties("AWS::CloudWatch::Alarm", { Period: 1800, EvaluationPeriods: 2 });
    const off = synthTide({ tide: { scheduleEnabled: false } }, { bundle: false });
    const names = Object.keys(off.template.findResources("AWS::CloudWatch::Alarm"));
    expect(names.some((n) => n.includes("NoCompletedRun"))).toBe(false);
  });
});

describe("the alarms prop", () => {
  const ids = (set: "all" | "essential" | "none") => {
    const synthesized = synthTide({ tide: { alarms: set } }, { bundle: false });
    const found = Object.keys(synthesized.template.findResources("AWS::CloudWatch::Alarm"));
    expect(new AwsSolutionsChecks().validateScope(synthesized.app).violations).toEqual([]);
    return found;
  };

  it("keeps every alarm by default, the two on run outcomes with essential, none with none (cdk-nag clean)", () => {
    expect(ids("all")).toHaveLength(10);
    const essential = ids("essential");
    expect(essential).toHaveLength(2);
    expect(essential.some((id) => id.includes("RunFailedOrPartial"))).toBe(true);
    expect(essential.some((id) => id.includes("NoCompletedRun"))).toBe(true);
    expect(ids("none")).toEqual([]);
  });
});
