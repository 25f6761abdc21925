import { InvokeCommand, LambdaClient } from "@aws-sdk/client-lambda";
import { newRunId } from "../pipeline/ids.ts";
import { type AwsSettings, awsError } from "./aws.ts";
import { CliError, type CliIO, EXIT } from "./command.ts";
import { stackOutputs } from "./stack.ts";

export interface RemoteFlags {
  function?: string;
  stack?: string;
  kinds?: string[];
  full: boolean;
  incremental?: boolean;
  supersede: boolean;
  json: boolean;
  aws?: AwsSettings;
}

/**
 * `tide resync` without `--local`: an asynchronous invoke of the deployed fanout with a run
 * id chosen here, so it can be printed (and followed with `tide status`) at once.
 */
export async function invokeDeployed(io: CliIO, flags: RemoteFlags): Promise<number> {
  const functionName = flags.function ?? (await stackOutputs(flags.stack, flags.aws)).fanoutFunctionName;
  if (!functionName)
    throw new CliError(`stack ${flags.stack ?? "Tide"} has no FanoutFunctionName output`, EXIT.usage);
  const runId = newRunId();
  const payload = {
    trigger: "cli",
    runId,
    kinds: flags.kinds,
    fullRewrite: flags.full,
    ...(flags.incremental ? { incremental: true } : {}),
    supersede: flags.supersede,
  };
  let status: number | undefined;
  try {
    const result = await new LambdaClient(flags.aws ?? {}).send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify(payload)),
      }),
    );
    status = result.StatusCode;
  } catch (error) {
    throw awsError(error, `invoke ${functionName}`, flags.aws);
  }
  if (status !== 202) throw new CliError(`invoking ${functionName} answered ${status}, not 202`);
  if (flags.json)
    io.stdout.write(`${JSON.stringify({ runId, function: functionName, status: "started" })}\n`);
  else io.stdout.write(`started run ${runId} on ${functionName}\nfollow it with: tide status ${runId}\n`);
  return EXIT.ok;
}
