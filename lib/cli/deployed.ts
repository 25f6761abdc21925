import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoRunStore } from "../aws/dynamodb-run-store.ts";
import type { RunRecord } from "../pipeline/run.ts";
import { type AwsSettings, awsError, awsSettings } from "./aws.ts";
import { CliError, type CliIO, EXIT } from "./command.ts";
import { type StackOutputs, stackOutputs } from "./stack.ts";

/** The flags every command on a deployed stack takes. */
export const DEPLOYED_FLAGS = {
  stack: { type: "string" },
  table: { type: "string" },
  region: { type: "string" },
  profile: { type: "string" },
} as const;

export const DEPLOYED_USAGE = `      --stack NAME   the deployed stack (default Tide): its outputs name the table and queues
      --table NAME   the run table, instead of reading the stack
      --region R     AWS region (default: AWS_REGION, or the profile's)
      --profile P    AWS profile (default: AWS_PROFILE)`;

/** A deployed Tide, as the CLI reaches it: the run table, the integration, the stack's outputs. */
export interface Deployed {
  store: DynamoRunStore;
  tableName: string;
  integrationId: string | undefined;
  outputs: StackOutputs;
  aws: AwsSettings;
}

/**
 * Finds the run table (and the stack's other outputs) from `--table`, or else the stack.
 *
 * @example
 * const { store, integrationId } = await openDeployed(values, io);
 */
export async function openDeployed(
  values: { stack?: string; table?: string; region?: string; profile?: string },
  io: CliIO,
  needsStack = false,
): Promise<Deployed> {
  const aws = awsSettings(values);
  const outputs = values.table && !needsStack ? {} : await stackOutputs(values.stack, aws);
  const tableName = values.table ?? outputs.runTableName;
  if (!tableName) throw new CliError("no run table: pass --table or deploy the stack", EXIT.usage);
  const store = new DynamoRunStore({ client: new DynamoDBClient(aws), tableName });
  const integrationId = io.env.TIDE_INTEGRATION_ID?.trim() || outputs.integrationId;
  return { store, tableName, integrationId, outputs, aws };
}

/** A run by id, or the integration's latest; a clear error when there is none. */
export async function findRun(deployed: Deployed, runId: string | undefined): Promise<RunRecord> {
  const { store, tableName, integrationId } = deployed;
  let run: RunRecord | undefined;
  try {
    if (runId) run = await store.getRun(runId);
    else if (integrationId) run = await store.latestRun(integrationId);
    else
      throw new CliError(
        "no run id, and no integration id (TIDE_INTEGRATION_ID) to find the latest run",
        EXIT.usage,
      );
  } catch (error) {
    throw awsError(error, `read run table ${tableName}`, deployed.aws);
  }
  if (!run) throw new CliError(runId ? `no run ${runId} in ${tableName}` : `no run yet for ${integrationId}`);
  return run;
}
