import { CloudFormationClient, DescribeStacksCommand } from "@aws-sdk/client-cloudformation";
import { DEFAULT_STACK_NAME, TIDE_STACK_OUTPUTS } from "../stack-outputs.ts";
import { type AwsSettings, awsError } from "./aws.ts";
import { CliError, EXIT } from "./command.ts";

export type StackOutputs = Partial<Record<keyof typeof TIDE_STACK_OUTPUTS, string>>;

/** The outputs of a deployed Tide stack (function names, table, ...), by their meaning. */
export async function stackOutputs(
  stackName = DEFAULT_STACK_NAME,
  aws: AwsSettings = {},
): Promise<StackOutputs> {
  let outputs: Array<{ OutputKey?: string; OutputValue?: string }>;
  try {
    const result = await new CloudFormationClient(aws).send(
      new DescribeStacksCommand({ StackName: stackName }),
    );
    outputs = result.Stacks?.[0]?.Outputs ?? [];
  } catch (error) {
    const problem = awsError(error, `read stack ${stackName}`, aws);
    if (problem.exitCode === EXIT.usage || /credentials/i.test(problem.message)) throw problem;
    throw new CliError(
      `could not read stack ${stackName} (${(error as Error).message}); deploy it with npx cdk deploy, or name the resource with a flag`,
      EXIT.usage,
    );
  }
  const byKey = new Map(outputs.map((o) => [o.OutputKey, o.OutputValue]));
  const found: StackOutputs = {};
  for (const [name, key] of Object.entries(TIDE_STACK_OUTPUTS)) {
    const value = byKey.get(key);
    if (value) found[name as keyof StackOutputs] = value;
  }
  return found;
}
