import { MemoryContentHashes } from "../local/memory-content-hashes.ts";
import { MemoryRunStore } from "../local/memory-run-store.ts";
import { PlanCatalog } from "../local/plan-catalog.ts";
import { resyncLocal } from "../local/resync.ts";
import { compileResource } from "../mapping/index.ts";
import { ResyncRequestError, RunLockedError } from "../pipeline/errors.ts";
import { silentLogger } from "../pipeline/logger.ts";
import { CliError, type CliIO, EXIT } from "./command.ts";
import { runMapping } from "./port-mapping.ts";
import { createProgress } from "./progress.ts";
import { chooseCatalog, createSource, integrationIdOf, sourceDefinition } from "./setup-env.ts";
import { formatPlan, formatSummary } from "./summary.ts";

export interface LocalFlags {
  config?: string;
  kinds?: string[];
  concurrency: number;
  plan: boolean;
  json: boolean;
  full: boolean;
  supersede: boolean;
  source?: string;
  catalog: string;
}

/** `tide resync --local`: the whole resync in this process, with progress and a summary. */
export async function resyncHere(io: CliIO, flags: LocalFlags): Promise<number> {
  const sourceName = flags.source || io.env.TIDE_SOURCE?.trim() || "github";
  const definition = sourceDefinition(sourceName);
  const source = createSource(definition, io);
  const integrationId = integrationIdOf(io, sourceName);
  const target = chooseCatalog(io, { integrationId, type: sourceName, dir: flags.catalog });
  const { config, integration } = await runMapping(io, {
    flag: flags.config,
    definition,
    target,
    log: silentLogger,
    readOnly: flags.plan,
  });
  const plan = flags.plan ? new PlanCatalog(target.catalog) : undefined;
  const store = new MemoryRunStore();
  const progress = createProgress(io, { quiet: flags.json });
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
      hashes: new MemoryContentHashes(),
      kinds: flags.kinds,
      concurrency: flags.concurrency,
      fullRewrite: flags.full,
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
    clearInterval(timer);
    progress.stop();
    await source.close?.();
    await integration?.close();
  }
  if (!plan) await target.flush();

  const { run } = result;
  if (plan) {
    const deletion = run.summary?.deletion;
    const blocked = deletion && !deletion.performed ? deletion.reason : undefined;
    if (flags.json) io.stdout.write(`${JSON.stringify({ ...plan.plan, deletion }, null, 2)}\n`);
    else io.stdout.write(formatPlan(plan.plan, blocked));
  } else if (flags.json) {
    io.stdout.write(`${JSON.stringify({ runId: run.runId, ...run.summary }, null, 2)}\n`);
  } else {
    io.stdout.write(formatSummary(run));
  }
  return run.status === "completed" ? EXIT.ok : EXIT.failed;
}
