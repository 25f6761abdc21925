import { Duration } from "aws-cdk-lib";
import {
  Alarm,
  ComparisonOperator,
  type IMetric,
  Metric,
  TreatMissingData,
} from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { OUTCOME_DIMENSION, OUTCOME_METRICS, OUTCOME_SERVICE } from "../lib/pipeline/outcomes.ts";

/**
 * Which alarms a deployment keeps (each costs $0.10 a month): `all`; `essential`, the two that
 * say a resync did not end well or did not happen (what the others watch ends up in one of
 * them: a message in the DLQ fails its run, a trigger the scheduler could not deliver leaves no
 * completed run); or `none`, for a deployment watched some other way.
 */
export type AlarmSet = "all" | "essential" | "none";

export const ALARM_SETS: readonly AlarmSet[] = ["all", "essential", "none"];

/** The alarms of the `essential` set. */
const ESSENTIAL = new Set(["RunFailedOrPartial", "NoCompletedRun"]);

export interface TideAlarmsProps {
  readonly fanout: IFunction;
  readonly ingest: IFunction;
  readonly ingestQueue: IQueue;
  /** The ingest queue's DLQ: messages that failed `maxReceiveCount` times. */
  readonly deadLetterQueue: IQueue;
  /** Triggers the scheduler could not deliver to the fanout. */
  readonly scheduleDeadLetterQueue: IQueue;
  readonly oldestMessageAgeThreshold: Duration;
  readonly topic?: ITopic;
  /** The run outcome metrics' namespace and integration id (the functions emit them). */
  readonly metricsNamespace: string;
  readonly integrationId: string;
  /**
   * How often a resync is expected: with it, "no completed run for 2 of these" raises an alarm
   * (an expired token fails every scheduled run; it must not fail silently). @default no such alarm
   */
  readonly expectedRunInterval?: Duration;
  /** @default "all" */
  readonly set?: AlarmSet;
}

/**
 * The alarms an operator needs, on outcomes first: a run failed or ended partial (items failed),
 * deletions were held back by the threshold, no run completed for 2 schedule periods; then the
 * machinery: something is stuck in a DLQ, the ingest is falling behind, a function fails or is
 * throttled. All but "no completed run" treat missing data as fine: an idle Tide emits none.
 */
export class TideAlarms extends Construct {
  readonly alarms: Alarm[] = [];
  readonly #set: AlarmSet;

  constructor(scope: Construct, id: string, props: TideAlarmsProps) {
    super(scope, id);
    this.#set = props.set ?? "all";
    const period = Duration.minutes(5);

    const outcome = (name: string, alarmPeriod = period) =>
      new Metric({
        namespace: props.metricsNamespace,
        metricName: name,
        dimensionsMap: { service: OUTCOME_SERVICE, [OUTCOME_DIMENSION]: props.integrationId },
        statistic: "Sum",
        period: alarmPeriod,
      });
    this.add(
      "RunFailedOrPartial",
      "A resync failed, was aborted, or some of its items failed (it deleted nothing)",
      // One metric (failed, partial and aborted each also count in it): an alarm on a math
      // expression is billed for every metric it reads.
      { metric: outcome(OUTCOME_METRICS.notClean), threshold: 1 },
    );
    this.add(
      "DeletionsHeldBack",
      "entityDeletionThreshold held back a resync's deletions: look before raising it",
      {
        metric: outcome(OUTCOME_METRICS.deletionsHeldBack),
        threshold: 1,
      },
    );
    if (props.expectedRunInterval && this.#keeps("NoCompletedRun")) {
      // CloudWatch evaluates at most 7 days; a longer interval is watched over 7 days.
      const seconds = Math.min(props.expectedRunInterval.toSeconds(), 3.5 * 86_400);
      const interval = Duration.seconds(Math.max(300, Math.ceil(seconds / 300) * 300));
      this.alarms.push(
        new Alarm(this, "NoCompletedRun", {
          alarmDescription: `No resync completed in 2 schedule periods (2 × ${interval.toHumanString()}): check the fanout's logs (an expired token?)`,
          metric: outcome(OUTCOME_METRICS.completed, interval),
          threshold: 1,
          evaluationPeriods: 2,
          datapointsToAlarm: 2,
          comparisonOperator: ComparisonOperator.LESS_THAN_THRESHOLD,
          // No data is the point: a Tide that never completes emits no RunCompleted.
          treatMissingData: TreatMissingData.BREACHING,
        }),
      );
    }
    this.add("DeadLetterQueueNotEmpty", "Ingest messages failed every retry and wait in the DLQ", {
      metric: props.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: "Maximum",
      }),
      threshold: 1,
    });
    this.add("ScheduleDeadLetterQueueNotEmpty", "The scheduler could not start a resync", {
      metric: props.scheduleDeadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period,
        statistic: "Maximum",
      }),
      threshold: 1,
    });
    this.add("IngestQueueOldestMessageAge", "The ingest is not keeping up with the fanout", {
      metric: props.ingestQueue.metricApproximateAgeOfOldestMessage({ period, statistic: "Maximum" }),
      threshold: props.oldestMessageAgeThreshold.toSeconds(),
    });
    for (const [name, fn] of [
      ["Fanout", props.fanout],
      ["Ingest", props.ingest],
    ] as const) {
      this.add(`${name}Errors`, `The ${name.toLowerCase()} function failed`, {
        metric: fn.metricErrors({ period, statistic: "Sum" }),
        threshold: 1,
      });
      this.add(`${name}Throttles`, `The ${name.toLowerCase()} function was throttled`, {
        metric: fn.metricThrottles({ period, statistic: "Sum" }),
        threshold: 1,
      });
    }

    if (props.topic) {
      const action = new SnsAction(props.topic);
      for (const alarm of this.alarms) {
        alarm.addAlarmAction(action);
        alarm.addOkAction(action);
      }
    }
  }

  #keeps(id: string): boolean {
    return this.#set === "all" || (this.#set === "essential" && ESSENTIAL.has(id));
  }

  private add(id: string, description: string, options: { metric: IMetric; threshold: number }): void {
    if (!this.#keeps(id)) return;
    this.alarms.push(
      new Alarm(this, id, {
        alarmDescription: description,
        metric: options.metric,
        threshold: options.threshold,
        evaluationPeriods: 1,
        comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        treatMissingData: TreatMissingData.NOT_BREACHING,
      }),
    );
  }
}
