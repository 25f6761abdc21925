import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { DynamoRunStore } from "../../aws/dynamodb-run-store.ts";
import { CliError, type Command, EXIT, parseFlags } from "../command.ts";
import { stackOutputs } from "../stack.ts";
import { formatSummary } from "../summary.ts";

export const statusCommand: Command = {
  name: "status",
  summary: "Show a deployed run's progress and result, from the run table",
  usage: `Usage: tide status [RUN_ID] [--stack NAME | --table NAME] [--json]

Shows a run's status, its progress per kind and, once it has ended, its summary (counts,
failures with their reasons, what was deleted). Without RUN_ID, the integration's latest run.

Options:
      --stack NAME   the deployed stack (default Tide): its RunTableName and IntegrationId outputs
      --table NAME   the run table, instead of reading the stack
      --json         print the run as JSON

Examples:
  tide status
  tide status 20261125T103000Z-3f9a1c --json
  TIDE_INTEGRATION_ID=my-github tide status --table Tide-RunTable

Exit codes: 0 the run completed or is running, 1 it failed or was aborted, 2 bad usage.
`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      argv,
      { stack: { type: "string" }, table: { type: "string" }, json: { type: "boolean", default: false } },
      true,
    );
    if (positionals.length > 1)
      throw new CliError(`one run id at most, not ${positionals.length}`, EXIT.usage);
    const outputs = values.table ? {} : await stackOutputs(values.stack);
    const tableName = values.table ?? outputs.runTableName;
    if (!tableName) throw new CliError("no run table: pass --table or deploy the stack", EXIT.usage);
    const store = new DynamoRunStore({ client: new DynamoDBClient({}), tableName });
    const integrationId = io.env.TIDE_INTEGRATION_ID?.trim() || outputs.integrationId;
    const [runId] = positionals;
    let run: Awaited<ReturnType<typeof store.getRun>>;
    try {
      if (runId) run = await store.getRun(runId);
      else if (integrationId) run = await store.latestRun(integrationId);
      else
        throw new CliError(
          "no run id, and no integration id (TIDE_INTEGRATION_ID) to find the latest run",
          EXIT.usage,
        );
    } catch (error) {
      if (error instanceof CliError) throw error;
      throw new CliError(`could not read run table ${tableName}: ${(error as Error).message}`);
    }
    if (!run)
      throw new CliError(runId ? `no run ${runId} in ${tableName}` : `no run yet for ${integrationId}`);
    const progress = await store.getProgress(run.runId);
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ ...run, progress }, null, 2)}\n`);
    } else if (run.summary) {
      io.stdout.write(formatSummary(run));
    } else {
      io.stdout.write(
        `run ${run.runId}: ${run.status} since ${run.startedAt} (${run.continuations} continuations)\n`,
      );
      for (const p of progress) {
        const state = p.enumerated ? "enumerated" : "enumerating";
        io.stdout.write(
          `  ${p.kind}: ${state}, ${p.pages} pages, ${p.items} items, ${p.entities} entities, ${p.failures} failed\n`,
        );
      }
      io.stdout.write(`  batches settled: ${run.settled} of ${run.sent}${run.enumerated ? "" : " so far"}\n`);
    }
    return run.status === "failed" || run.status === "aborted" ? EXIT.failed : EXIT.ok;
  },
};
