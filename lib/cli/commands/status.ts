import { setTimeout as sleep } from "node:timers/promises";
import type { ResourceProgress, RunRecord } from "../../pipeline/run.ts";
import { CliError, type Command, EXIT, parseFlags } from "../command.ts";
import { DEPLOYED_FLAGS, DEPLOYED_USAGE, findRun, openDeployed } from "../deployed.ts";
import { formatSummary, runScope } from "../summary.ts";

export const statusCommand: Command = {
  name: "status",
  summary: "Show a deployed run's progress and result, from the run table (--watch: live)",
  usage: `Usage: tide status [RUN_ID] [--watch] [--stack NAME | --table NAME] [--json]

Shows a run's status, its progress per kind and, once it has ended, its summary (counts,
failures grouped by cause, what was deleted). Without RUN_ID, the integration's latest run.

Options:
      --watch        follow the run live until it ends, then print its summary
      --interval S   seconds between reads with --watch (default 5)
${DEPLOYED_USAGE}
      --json         print the run as JSON

Examples:
  tide status
  tide status --watch
  tide status 20261125T103000Z-3f9a1c --json
  TIDE_INTEGRATION_ID=my-github tide status --table Tide-RunTable --region eu-west-1

Exit codes: 0 the run completed or is running, 1 it failed or was aborted, 2 bad usage.
`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      argv,
      {
        ...DEPLOYED_FLAGS,
        json: { type: "boolean", default: false },
        watch: { type: "boolean", default: false },
        interval: { type: "string", default: "5" },
      },
      true,
    );
    if (positionals.length > 1)
      throw new CliError(`one run id at most, not ${positionals.length}`, EXIT.usage);
    const interval = Number(values.interval);
    if (!(interval > 0 && interval <= 3600))
      throw new CliError(`--interval must be seconds from 0 to 3600, not "${values.interval}"`, EXIT.usage);
    const deployed = await openDeployed(values, io);
    let run = await findRun(deployed, positionals[0]);
    let last = "";
    while (values.watch && !ended(run)) {
      const progress = await deployed.store.getProgress(run.runId);
      const text = formatProgress(run, progress);
      // One block per change, so a log or a CI job shows the run advance without repeats.
      if (text !== last) io.stderr.write(`${new Date().toISOString().slice(11, 19)} ${text}`);
      last = text;
      await sleep(interval * 1000);
      run = await findRun(deployed, run.runId);
    }
    const progress = await deployed.store.getProgress(run.runId);
    if (values.json) io.stdout.write(`${JSON.stringify({ ...run, progress }, null, 2)}\n`);
    else if (run.summary) io.stdout.write(formatSummary(run));
    else io.stdout.write(formatProgress(run, progress));
    return run.status === "failed" || run.status === "aborted" ? EXIT.failed : EXIT.ok;
  },
};

function ended(run: RunRecord): boolean {
  return run.status === "completed" || run.status === "failed" || run.status === "aborted";
}

function formatProgress(run: RunRecord, progress: ResourceProgress[]): string {
  const lines = [
    `run ${run.runId}: ${run.status} since ${run.startedAt} (${run.continuations} continuations)`,
    ...runScope(run),
  ];
  for (const p of progress) {
    const state = p.enumerated ? "enumerated" : "still listing";
    lines.push(
      `  ${p.kind}: ${state}, ${p.pages} pages, ${p.items} items, ${p.entities} entities, ${p.failures} failed`,
    );
  }
  lines.push(`  batches settled: ${run.settled} of ${run.sent}${run.enumerated ? "" : " so far"}`);
  return `${lines.join("\n")}\n`;
}
