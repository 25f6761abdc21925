import { join } from "node:path";
import { MemoryRunStore } from "../local/memory-run-store.ts";
import { PlanCatalog } from "../local/plan-catalog.ts";
import { resyncLocal } from "../local/resync.ts";
import { LocalState } from "../local/state-file.ts";
import { compileConfig, compileResource, configWarnings } from "../mapping/index.ts";
import { ResyncRequestError, RunLockedError } from "../pipeline/errors.ts";
import { silentLogger } from "../pipeline/logger.ts";
import { DEFAULT_BASE_URL } from "../port/client.ts";
import { CliError, type CliIO, EXIT } from "./command.ts";
import { runMapping } from "./port-mapping.ts";
import { checkBlueprints } from "./preflight.ts";
import { createProgress } from "./progress.ts";
import { chooseCatalog, createSource, integrationIdOf, loadSourceFlag } from "./setup-env.ts";
import { formatPlan, formatSummary } from "./summary.ts";

export interface LocalFlags {
  config?: string;
  kinds?: string[];
  concurrency: number;
  plan: boolean;
  json: boolean;
  full: boolean;
  /** Only the changes since the last completed local run (`.tide/state.json`); deletes nothing. */
  incremental?: boolean;
  supersede: boolean;
  source?: string;
  catalog: string;
  /** Ignore what earlier local runs kept in `.tide/state.json` (hashes): write everything again. */
  fresh?: boolean;
  /** No live progress; only the summary (and errors). */
  quiet?: boolean;
}

/** Where local runs keep their content hashes and history, relative to the working directory. */
export const LOCAL_STATE_FILE = ".tide/state.json";

/** Exit code of a run stopped with Ctrl-C (128 + SIGINT), as shells expect. */
export const EXIT_INTERRUPTED = 130;

/** `tide resync --local`: the whole resync in this process, with progress and a summary. */
export async function resyncHere(io: CliIO, flags: LocalFlags): Promise<number> {
  const definition = await loadSourceFlag(flags.source || io.env.TIDE_SOURCE?.trim() || "github", io);
  const sourceName = definition.name;
  const source = createSource(definition, io);
  const integrationId = integrationIdOf(io, sourceName);
  const target = chooseCatalog(io, { integrationId, type: sourceName, dir: flags.catalog });
  // --config, else the integration's mapping in Port, else ./port-app-config.yml, else the default.
  const { config, integration } = await runMapping(io, {
    flag: flags.config,
    definition,
    target,
    log: silentLogger,
    readOnly: flags.plan,
  });
  // Keys Ocean ignores are ignored here too, but said (the deployed fanout logs them).
  for (const warning of configWarnings(config)) io.stderr.write(`warning: ${warning}\n`);
  // A mapping that does not compile is refused before the run starts, each problem named.
  await compileConfig(config);
  if (target.port) await checkBlueprints(io, target.port, config, flags.kinds);
  const plan = flags.plan ? new PlanCatalog(target.catalog) : undefined;
  const store = new MemoryRunStore();
  const stateTarget = target.port
    ? `port ${(io.env.PORT_BASE_URL?.trim() || DEFAULT_BASE_URL).replace(/\/+$/, "")}`
    : `file ${flags.catalog}`;
  const state = await LocalState.open(join(io.cwd, LOCAL_STATE_FILE), stateTarget, {
    fresh: flags.fresh ?? false,
  });
  // The last completed run of earlier processes, for the cutoff of an incremental one.
  const completed = state.lastCompleted;
  if (flags.incremental && completed && completed.run.integrationId === integrationId)
    await store.createRun(completed.run, completed.config);
  // Ctrl-C stops the run cleanly; a second one quits at once.
  const stop = new AbortController();
  const onInterrupt = () => {
    if (stop.signal.aborted) process.exit(EXIT_INTERRUPTED);
    stop.abort();
    progress.stop();
    io.stderr.write(
      "\ntide: stopping (Ctrl-C): no more listing, finishing the writes in flight, deleting nothing. Ctrl-C again quits at once.\n",
    );
  };
  process.on("SIGINT", onInterrupt);
  const progress = createProgress(io, { quiet: flags.json || (flags.quiet ?? false) });
  let runId: string | undefined;
  const timer = setInterval(() => {
    if (runId)
      void store.getProgress(runId).then(
        (p) => progress.update(p),
        () => {},
      );
  }, 250);

  let result: Awaited<ReturnType<typeof resyncLocal>>;
  try {
    result = await resyncLocal({
      integrationId,
      config,
      source,
      catalog: plan ?? target.catalog,
      compile: compileResource,
      store,
      hashes: state.hashes,
      memos: state.memos,
      signal: stop.signal,
      kinds: flags.kinds,
      concurrency: flags.concurrency,
      fullRewrite: flags.full,
      incremental: flags.incremental ?? false,
      supersede: flags.supersede,
      trigger: "cli",
      log: integration?.log,
      examples: integration && !plan ? integration.examples : undefined,
      onStart: (id) => {
        runId = id;
      },
    });
    if (runId) progress.update(await store.getProgress(runId));
  } catch (error) {
    if (error instanceof ResyncRequestError || error instanceof RunLockedError) {
      throw new CliError(error.message, EXIT.usage);
    }
    throw error;
  } finally {
    process.off("SIGINT", onInterrupt);
    clearInterval(timer);
    progress.stop();
    await source.close?.();
    await integration?.close();
  }
  if (!plan) await target.flush();

  const { run } = result;
  if (!plan) await state.save(run, config);
  if (stop.signal.aborted && run.status === "aborted") {
    const progressNow = await store.getProgress(run.runId);
    const listed = progressNow.reduce((sum, p) => sum + p.items, 0);
    const written = progressNow.reduce((sum, p) => sum + p.entities, 0);
    if (flags.json)
      io.stdout.write(`${JSON.stringify({ runId: run.runId, status: "aborted", listed, written })}\n`);
    else
      io.stdout.write(
        `run ${run.runId}: aborted (Ctrl-C) after ${listed} items listed, ${written} entities written; nothing deleted\n`,
      );
    return EXIT_INTERRUPTED;
  }
  if (plan) {
    const deletion = run.summary?.deletion;
    const blocked = deletion && !deletion.performed ? deletion.reason : undefined;
    if (flags.json) io.stdout.write(`${JSON.stringify({ ...plan.plan, deletion }, null, 2)}\n`);
    else io.stdout.write(formatPlan(plan.plan, blocked));
  } else if (flags.json) {
    io.stdout.write(`${JSON.stringify({ runId: run.runId, status: run.status, ...run.summary }, null, 2)}\n`);
  } else {
    io.stdout.write(formatSummary(run));
  }
  return run.status === "completed" ? EXIT.ok : EXIT.failed;
}
