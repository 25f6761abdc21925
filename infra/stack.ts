import { CfnOutput, Stack, type StackProps } from "aws-cdk-lib";
import { Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Topic } from "aws-cdk-lib/aws-sns";
import type { Construct } from "constructs";
import { TIDE_STACK_OUTPUTS } from "../lib/stack-outputs.ts";
import type { TideProps } from "./props.ts";
import { Tide } from "./tide.ts";

export interface TideStackProps extends StackProps {
  /** Tuning of the integration; see {@link TideProps}. */
  readonly tide?: Omit<TideProps, "secret" | "alarmTopic">;
  /** Complete ARN of an existing secret to use instead of creating one. */
  readonly secretArn?: string;
  /** ARN of an SNS topic that receives the alarms. */
  readonly alarmTopicArn?: string;
}

/**
 * A standalone Tide deployment. Its outputs ({@link TIDE_STACK_OUTPUTS}) are how `tide resync`
 * and `tide status` find the functions, queues, table and secret.
 *
 * @example
 * new TideStack(app, "Tide", { tide: { githubOrg: "acme", maxConcurrency: 4 } });
 */
export class TideStack extends Stack {
  readonly tide: Tide;

  constructor(scope: Construct, id: string, props: TideStackProps = {}) {
    super(scope, id, {
      description: "Tide: keeps a Port software catalog in sync with GitHub (Lambda + SQS + DynamoDB)",
      ...props,
    });
    this.tide = new Tide(this, "Tide", {
      ...props.tide,
      ...(props.secretArn ? { secret: Secret.fromSecretCompleteArn(this, "Secret", props.secretArn) } : {}),
      ...(props.alarmTopicArn
        ? { alarmTopic: Topic.fromTopicArn(this, "AlarmTopic", props.alarmTopicArn) }
        : {}),
    });

    const { tide } = this;
    const outputs: Record<keyof typeof TIDE_STACK_OUTPUTS, [string, string]> = {
      fanoutFunctionName: [tide.fanout.functionName, "Invoke to start a resync (tide resync)"],
      ingestFunctionName: [tide.ingest.functionName, "Consumes the ingest queue"],
      ingestQueueUrl: [tide.ingestQueue.queueUrl, "Raw items waiting to be mapped and upserted"],
      deadLetterQueueUrl: [tide.deadLetterQueue.queueUrl, "Messages that failed every retry"],
      scheduleDeadLetterQueueUrl: [
        tide.scheduleDeadLetterQueue.queueUrl,
        "Triggers the schedule could not deliver",
      ],
      runTableName: [tide.runTable.tableName, "Runs, counters and cursors"],
      secretArn: [tide.secret.secretArn, "Put the credentials JSON here"],
      integrationId: [tide.settings.integrationId, "The integration id in Port"],
      resyncUrl: [
        tide.resyncUrl.url,
        "Port's changelog webhook: <this>resync/<a path derived from the Port client secret>, registered by each run",
      ],
    };
    for (const [key, [value, description]] of Object.entries(outputs)) {
      // No exportName: nothing imports these, and exports would pin the values.
      new CfnOutput(this, TIDE_STACK_OUTPUTS[key as keyof typeof TIDE_STACK_OUTPUTS], { value, description });
    }
  }
}
