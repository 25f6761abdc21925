// Outcome alarms watch exactly what the functions emit: the metrics are captured from the real
// Powertools emitter (embedded metric format on stdout, as CloudWatch Logs receives it) and
// matched against the synthesized alarms' namespace, metric names and dimensions.
import { AwsSolutionsChecks } from "cdk-nag";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { type Emf, emitted, metricNames, summary } from "../support/run-metrics.ts";
import { type Synthesized, synthTide } from "./synth.ts";

afterEach(() => {
  vi.unstubAllEnvs();
});

const held = summary({
  deletion: { performed: false, toDelete: 9, found: 10, held: [{ blueprint: "b", reason: "r" }] },
});

describe("run outcome metrics", () => {
  it("count one run as completed, partial (items failed), failed or aborted", () => {
    expect(emitted(summary()).RunCompleted).toBe(1);
    const partial = emitted(summary({ failureCount: 3 }));
    expect([partial.RunCompleted, partial.RunPartial, partial.RunNotClean, partial.RunFailures]).toEqual([
      0, 1, 1, 3,
    ]);
    const failed = emitted(summary({ status: "failed" }));
    expect([failed.RunCompleted, failed.RunFailed, failed.RunNotClean]).toEqual([0, 1, 1]);
    const aborted = emitted(summary({ status: "aborted" }));
    expect([aborted.RunAborted, aborted.RunNotClean]).toEqual([1, 1]);
    expect(emitted(held).DeletionsHeldBack).toBe(1);
    expect(emitted(summary({ deleted: { githubRepository: 2, githubPullRequest: 3 } })).EntitiesDeleted).toBe(
      5,
    );
  });

  it("publish two metrics for a clean run (each custom metric is billed for the hours it is published in)", () => {
    expect(metricNames(emitted(summary()))).toEqual(["RunCompleted", "RunDuration"]);
    expect(metricNames(emitted(summary({ status: "failed" })))).toEqual([
      "RunCompleted",
      "RunDuration",
      "RunFailed",
      "RunNotClean",
    ]);
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
    // Everything a run can publish: a clean run publishes only what is not zero.
    emf = emitted(summary({ status: "failed", failureCount: 1, deleted: { b: 1 }, deletion: held.deletion }));
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
    const watched = [alarm("DeletionsHeldBack"), alarm("NoCompletedRun"), alarm("RunFailedOrPartial")];
    for (const metric of watched) {
      expect(metric.Namespace).toBe(directive?.Namespace);
      expect(names).toContain(metric.MetricName);
      expect(dimensionsOf(metric)).toEqual(emittedDims);
    }
  });

  it("raise on any failed, partial or aborted run and on held-back deletions", () => {
    const failed = alarm("RunFailedOrPartial");
    expect(failed.MetricName).toBe("RunNotClean");
    expect([failed.Threshold, failed.ComparisonOperator, failed.TreatMissingData]).toEqual([
      1,
      "GreaterThanOrEqualToThreshold",
      "notBreaching",
    ]);
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

  it("reads one metric in each alarm (CloudWatch bills an alarm for every metric it reads)", () => {
    const synthesized = synthTide({ tide: { alarms: "all" } }, { bundle: false });
    const alarms = Object.values(synthesized.template.findResources("AWS::CloudWatch::Alarm"));
    for (const alarm of alarms) {
      expect(alarm.Properties.MetricName).toEqual(expect.any(String));
      expect(alarm.Properties.Metrics).toBeUndefined();
    }
  });
});
