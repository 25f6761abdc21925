/**
 * The CloudFormation output keys of a Tide stack. `tide resync` and `tide status` read them
 * with DescribeStacks, so they are part of the contract: never rename one.
 *
 * @example
 * const outputs = Object.fromEntries(stack.Outputs.map((o) => [o.OutputKey, o.OutputValue]));
 * const fanout = outputs[TIDE_STACK_OUTPUTS.fanoutFunctionName];
 */
export const TIDE_STACK_OUTPUTS = {
  fanoutFunctionName: "FanoutFunctionName",
  ingestFunctionName: "IngestFunctionName",
  ingestQueueUrl: "IngestQueueUrl",
  deadLetterQueueUrl: "DeadLetterQueueUrl",
  scheduleDeadLetterQueueUrl: "ScheduleDeadLetterQueueUrl",
  runTableName: "RunTableName",
  secretArn: "SecretArn",
  integrationId: "IntegrationId",
  resyncUrl: "ResyncUrl",
} as const;

/** The stack `npx cdk deploy` creates unless `-c stackName=...` says otherwise. */
export const DEFAULT_STACK_NAME = "Tide";
