import { ConfigError } from "../../mapping/errors.ts";
import { AWS_FLAGS, awsSettings } from "../aws.ts";
import { CliError, type CliIO, type Command, EXIT, parseFlags, UsageError } from "../command.ts";
import { CONFIG_USAGE } from "../config.ts";

export const resyncCommand: Command = {
  name: "resync",
  summary: "Resync the catalog: in this process (--local), or by invoking the deployed fanout",
  usage: `Usage: tide resync --local [options]
       tide resync [--function NAME | --stack NAME] [--kinds a,b] [--full] [--incremental] [--supersede]

With --local, the whole resync runs in this process — the same fanout, ingest and
reconcile code as in Lambda, with an in-memory queue and N ingest workers. It writes to
Port when PORT_CLIENT_ID and PORT_CLIENT_SECRET are set, otherwise to a local file catalog
(.tide/catalog/). Source settings come from the environment (GitHub: GITHUB_ORG, GITHUB_TOKEN).

Without --local, it invokes the deployed fanout Lambda asynchronously and prints the run id;
follow it with \`tide status RUN_ID\`.

Options:
      --local            run the resync in this process
${CONFIG_USAGE.replace("(default: ./port-app-config.yml)", "(default: ./port-app-config.yml, else the source's default)")}
      --kinds a,b        only these kinds (deletion then stays within what they cover)
      --concurrency N    ingest workers (default 4)
      --plan             show what would be created, updated, unchanged and deleted; write nothing
      --json             print the run's summary (or the plan) as JSON on stdout
      --full             send every entity, even those unchanged since the last write
      --incremental      only what changed since the last completed run, in the kinds that can
                         list their changes (GitHub: repository, pull-request, issue); deletes
                         nothing (deletions are left to full resyncs). Without a completed run
                         (locally: in .tide/state.json), or after a mapping change, a full resync
      --quiet            no live progress, only the summary (progress also goes plain with NO_COLOR)
      --fresh            ignore what earlier local runs kept in .tide/state.json (content hashes)
      --supersede        abort a resync of this integration still in progress, instead of refusing
      --source NAME      the source: github, http, a module file (./my-source.mjs) or a package
                         (default: TIDE_SOURCE or github)
      --catalog DIR      the file catalog's folder when Port is not configured (default .tide/catalog)
      --function NAME    the deployed fanout function (default: the stack's FanoutFunctionName output)
      --stack NAME       the deployed stack (default Tide)
      --region R         AWS region of the deployed stack (default: AWS_REGION, or the profile's)
      --profile P        AWS profile (default: AWS_PROFILE)

Examples:
  GITHUB_ORG=acme GITHUB_TOKEN=... tide resync --local
  tide resync --local --kinds repository,pull-request --concurrency 8
  tide resync --local --plan
  tide resync --local --incremental
  tide resync --local --source ./users-api.mjs
  HTTP_BASE_URL=https://api.example.com tide resync --local --source http
  tide resync --stack Tide --kinds repository
  tide resync --stack Tide --incremental

Exit codes: 0 completed, 1 failed or partial, 2 bad usage, config or settings, 130 stopped with Ctrl-C.
`,
  async run(argv, io) {
    const json = argv.includes("--json");
    try {
      return await resync(argv, io);
    } catch (error) {
      // With --json, stdout always says how it ended, even when it ended before a run began.
      if (json) io.stdout.write(`${JSON.stringify(jsonError(error), null, 2)}\n`);
      throw error;
    }
  },
};

function jsonError(error: unknown) {
  const issues = error instanceof ConfigError ? { file: error.fileName, issues: error.issues } : {};
  const exitCode =
    error instanceof ConfigError ? EXIT.usage : error instanceof CliError ? error.exitCode : EXIT.failed;
  return { status: "error", error: (error as Error).message, exitCode, ...issues };
}

async function resync(argv: string[], io: CliIO): Promise<number> {
  const { values } = parseFlags(argv, {
    local: { type: "boolean", default: false },
    config: { type: "string", short: "c" },
    kinds: { type: "string" },
    concurrency: { type: "string" },
    plan: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    full: { type: "boolean", default: false },
    incremental: { type: "boolean", default: false },
    fresh: { type: "boolean", default: false },
    quiet: { type: "boolean", short: "q", default: false },
    supersede: { type: "boolean", default: false },
    source: { type: "string" },
    catalog: { type: "string", default: ".tide/catalog" },
    function: { type: "string" },
    stack: { type: "string" },
    ...AWS_FLAGS,
  });
  const kinds = values.kinds
    ?.split(",")
    .map((k) => k.trim())
    .filter(Boolean);
  if (values.kinds !== undefined && kinds?.length === 0)
    throw new UsageError("--kinds needs at least one kind");
  const concurrency = values.concurrency === undefined ? 4 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw new UsageError(`--concurrency must be a whole number from 1 to 256, not "${values.concurrency}"`);
  }
  if (!values.local) {
    for (const flag of ["plan", "config", "concurrency", "catalog", "fresh", "quiet"] as const) {
      if (argv.some((a) => a === `--${flag}` || a.startsWith(`--${flag}=`))) {
        throw new UsageError(`--${flag} needs --local (the deployed stack uses its bundled config)`);
      }
    }
    const { invokeDeployed } = await import("../remote.ts");
    return invokeDeployed(io, { ...values, kinds, aws: awsSettings(values) });
  }
  if (values.function || values.stack || values.region || values.profile)
    throw new UsageError(
      "--function, --stack, --region and --profile are for a deployed resync, not --local",
    );
  const { resyncHere } = await import("../local-resync.ts");
  const code = await resyncHere(io, { ...values, kinds, concurrency });
  return code ?? EXIT.failed;
}
