import { Duration } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, type IMetric, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { IFunction } from "aws-cdk-lib/aws-lambda";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import type { IQueue } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";

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
}

/**
 * The alarms an operator needs: something is stuck in a DLQ, the ingest is falling behind,
 * a function fails or is throttled. All treat missing data as fine: an idle Tide emits none.
 */
export class TideAlarms extends Construct {
  readonly alarms: Alarm[] = [];

  constructor(scope: Construct, id: string, props: TideAlarmsProps) {
    super(scope, id);
    const period = Duration.minutes(5);

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

  private add(id: string, description: string, options: { metric: IMetric; threshold: number }): void {
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
