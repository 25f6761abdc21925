import type { RunRecord } from "../../pipeline/run.ts";
import { awsError } from "../aws.ts";
import { CliError, type Command, EXIT, parseFlags } from "../command.ts";
import { DEPLOYED_FLAGS, DEPLOYED_USAGE, openDeployed } from "../deployed.ts";

export const runsCommand: Command = {
  name: "runs",
  summary: "List a deployed integration's recent runs: one line each, with outcome and counts",
  usage: `Usage: tide runs [--limit N] [--stack NAME | --table NAME] [--json]

The integration's most recent runs, newest first: when each started, what it covered (a full
resync, or the changes since a time for an incremental one), how long it took, how it ended,
and what it did (entities written, failures, deletions).

Options:
      --limit N      how many runs (default 20)
${DEPLOYED_USAGE}
      --json         the runs as a JSON array

Examples:
  tide runs
  tide runs --limit 5 --json
  TIDE_INTEGRATION_ID=my-github tide runs --table Tide-RunTable

Exit codes: 0 ok, 1 the table could not be read, 2 bad usage.
`,
  async run(argv, io) {
    const { values } = parseFlags(argv, {
      ...DEPLOYED_FLAGS,
      limit: { type: "string", default: "20" },
      json: { type: "boolean", default: false },
    });
    const limit = Number(values.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
      throw new CliError(`--limit must be a whole number from 1 to 1000, not "${values.limit}"`, EXIT.usage);
    const deployed = await openDeployed(values, io);
    if (!deployed.integrationId)
      throw new CliError("no integration id: set TIDE_INTEGRATION_ID, or pass --stack", EXIT.usage);
    let runs: RunRecord[];
    try {
      runs = await deployed.store.recentRuns(deployed.integrationId, limit);
    } catch (error) {
      throw awsError(error, `read run table ${deployed.tableName}`, deployed.aws);
    }
    if (values.json) {
      io.stdout.write(`${JSON.stringify(runs.map(runLine), null, 2)}\n`);
      return EXIT.ok;
    }
    if (runs.length === 0) {
      io.stdout.write(`no runs yet for ${deployed.integrationId}\n`);
      return EXIT.ok;
    }
    const rows = runs.map((run) => {
      const r = runLine(run);
      return [
        r.runId,
        r.outcome,
        r.trigger,
        r.since ? `changes since ${r.since.replace("T", " ").slice(0, 19)}` : "full",
        r.startedAt.replace("T", " ").slice(0, 19),
        r.durationS === undefined ? "-" : formatDuration(r.durationS),
        String(r.entities ?? "-"),
        String(r.failures ?? "-"),
        String(r.deleted ?? "-"),
      ];
    });
    const header = [
      "run",
      "outcome",
      "trigger",
      "covers",
      "started (UTC)",
      "took",
      "entities",
      "failed",
      "deleted",
    ];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]?.length ?? 0)));
    for (const row of [header, ...rows]) {
      io.stdout.write(
        `${row
          .map((cell, i) => cell.padEnd(widths[i] ?? 0))
          .join("  ")
          .trimEnd()}\n`,
      );
    }
    return EXIT.ok;
  },
};

/** One run as `tide runs` shows it; `partial`: completed, but some items failed. */
function runLine(run: RunRecord) {
  const s = run.summary;
  const outcome = s && s.status === "completed" && s.failureCount > 0 ? "partial" : run.status;
  return {
    runId: run.runId,
    outcome,
    trigger: run.trigger,
    /** An incremental run's cutoff: it covered the changes since then, and deleted nothing. */
    ...(run.incremental ? { since: run.incremental.since } : {}),
    startedAt: run.startedAt,
    endedAt: run.endedAt,
    durationS: s ? Math.round(s.durationMs / 1000) : undefined,
    entities: s?.kinds.reduce((sum, k) => sum + k.entities, 0),
    failures: s?.failureCount,
    deleted: s ? Object.values(s.deleted).reduce((sum, n) => sum + n, 0) : undefined,
  };
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds}s`;
  const m = Math.floor(seconds / 60);
  return m < 60
    ? `${m}m${String(seconds % 60).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}
