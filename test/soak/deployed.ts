/**
 * The deployed shape under chaos, for the soak: the real handlers and `buildRuntime` (SQS
 * through fauxqs, the run table in dynalite), a Port client with a short timeout, pollers
 * standing in for Lambda's SQS trigger that deliver some batches twice, ingests that crash
 * after writing, and a fanout whose invocations run out of time every few seconds.
 * Unlike `test/support/lambda-world.ts`, it counts everything it injects, for the report.
 */
import type { Context } from "aws-lambda";
import { fanoutHandler, ingestHandler } from "../../lib/aws/handlers.ts";
import { buildRuntime, type Runtime } from "../../lib/aws/runtime.ts";
import { PortCatalog } from "../../lib/catalog/port-catalog.ts";
import type { Catalog } from "../../lib/pipeline/contracts/index.ts";
import { newRunId } from "../../lib/pipeline/ids.ts";
import { type Logger, silentLogger } from "../../lib/pipeline/logger.ts";
import type { RunRecord } from "../../lib/pipeline/run.ts";
import { PortClient } from "../../lib/port/client.ts";
import { type LocalDynamo, startDynalite } from "../support/dynalite.ts";
import { startFunctionUrls } from "../support/lambda-url.ts";
import { deployedEnv, FANOUT_FUNCTION_URL, runEnded } from "../support/lambda-world.ts";
import { type LocalSqs, startSqs } from "../support/sqs.ts";
import { SqsPoller } from "../support/sqs-poller.ts";
import { INTEGRATION, type World } from "../support/world.ts";

export interface DeployedOptions {
  /** Port client timeout per request, in ms: the soak's slow responses outlast it. */
  portTimeoutMs: number;
  /** Each fanout invocation runs out of time after this long, so it continues in a new one. */
  invocationMs: number;
  /**
   * And after this many reads of its clock (the fanout reads it once per page and partition),
   * so that continuations happen however fast the machine is.
   */
  invocationReads?: number;
  /** Share of SQS batches delivered twice at once. */
  duplicateRate: number;
  /** Share of ingest upserts after which the ingest dies, before recording anything. */
  crashRate: number;
  /** SQS `maxReceiveCount` (and the ingest's). */
  maxReceiveCount: number;
  /** Concurrent ingest invocations, and the most messages each receives (Lambda's `batchSize`). */
  ingestConcurrency: number;
  ingestBatchSize: number;
  /** Seeded dice, one stream per kind of fault so each sequence is reproducible on its own. */
  random: { duplicate: () => number; crash: () => number };
  /** The handlers' logger (default: silent). */
  logger?: Logger;
}

/** What the harness injected or observed, over every run. */
export interface DeployedStats {
  fanoutInvocations: number;
  ingestInvocations: number;
  duplicates: number;
  crashes: number;
}

export interface Deployed {
  runtime: Runtime;
  client: PortClient;
  stats: DeployedStats;
  /** One resync from the first fanout invocation to the run's end. */
  resync(event?: { fullRewrite?: boolean }, timeoutMs?: number): Promise<RunRecord>;
  close(): Promise<void>;
}

export async function startDeployed(world: World, options: DeployedOptions): Promise<Deployed> {
  const sqs: LocalSqs = await startSqs({ maxReceiveCount: options.maxReceiveCount, visibilityTimeout: 30 });
  const dynamo: LocalDynamo = await startDynalite();
  const functionUrls = await startFunctionUrls({ "tide-fanout": FANOUT_FUNCTION_URL });
  const env = await deployedEnv(world, sqs, dynamo, options.maxReceiveCount, functionUrls);
  // The AWS SDK reads `AWS_ENDPOINT_URL_*` from the process environment.
  Object.assign(process.env, env);
  const runtime = await buildRuntime(env);
  // buildRuntime has no knob for the Port timeout: the same catalog, with a client that has one.
  const client = new PortClient({
    clientId: world.port.credentials.clientId,
    clientSecret: world.port.credentials.clientSecret,
    baseUrl: world.port.url,
    integrationId: INTEGRATION,
    integrationType: "github",
    timeoutMs: options.portTimeoutMs,
    retry: { baseDelayMs: 20, maxDelayMs: 500 },
  });
  runtime.catalog = new PortCatalog(client, INTEGRATION);
  const logger = options.logger ?? silentLogger;
  const stats: DeployedStats = { fanoutInvocations: 0, ingestInvocations: 0, duplicates: 0, crashes: 0 };

  const crashing = (catalog: Catalog): Catalog => ({
    description: catalog.description,
    listOwned: (bp) => catalog.listOwned(bp),
    listOwnedEntities: catalog.listOwnedEntities?.bind(catalog),
    delete: (bp, ids, o) => catalog.delete(bp, ids, o),
    reportResync: (s) => catalog.reportResync?.(s) ?? Promise.resolve(),
    async upsert(bp, entities, o) {
      const outcomes = await catalog.upsert(bp, entities, o);
      if (options.random.crash() < options.crashRate) {
        stats.crashes++;
        throw new Error("ingest crashed mid-batch (injected)");
      }
      return outcomes;
    },
  });
  const ingestRuntime: Runtime = { ...runtime, catalog: crashing(runtime.catalog) };

  return {
    runtime,
    client,
    stats,
    async resync(event = {}, timeoutMs = 600_000) {
      const fanout = fanoutHandler(async () => runtime, logger);
      const context = (): Pick<Context, "getRemainingTimeInMillis"> => {
        // Lambda's clock: the margin the fanout keeps, plus this invocation's share of work.
        const margin = runtime.fanoutOptions.marginMs;
        const deadline = Date.now() + margin + options.invocationMs;
        let reads = 0;
        return {
          getRemainingTimeInMillis: () =>
            ++reads > (options.invocationReads ?? Number.POSITIVE_INFINITY)
              ? margin - 1
              : deadline - Date.now(),
        };
      };
      const invocations: Array<Promise<unknown>> = [];
      const invoke = (payload: unknown) => {
        stats.fanoutInvocations++;
        return fanout(payload, context());
      };
      runtime.invoker = () => ({
        async continueFanout(next) {
          // Asynchronous, as Lambda's `Event` invocation: the caller returns at once.
          invocations.push(new Promise((resolve) => setImmediate(resolve)).then(() => invoke(next)));
        },
        async reconcile(next) {
          invocations.push(new Promise((resolve) => setImmediate(resolve)).then(() => invoke(next)));
        },
        async startFanout(start) {
          invocations.push(new Promise((resolve) => setImmediate(resolve)).then(() => invoke(start)));
        },
      });
      const poller = new SqsPoller({
        client: sqs.client,
        queueUrl: sqs.queueUrl,
        handler: ingestHandler(async () => ingestRuntime, logger),
        concurrency: options.ingestConcurrency,
        batchSize: options.ingestBatchSize,
        retryVisibilitySeconds: 0,
        duplicateRate: options.duplicateRate,
        random: options.random.duplicate,
      });
      const before = { ...poller.stats };
      poller.start();
      try {
        const runId = newRunId();
        await invoke({ runId, trigger: "manual", ...event });
        for (let i = 0; i < invocations.length; i++) await invocations[i];
        return await runEnded(runtime.store, runId, timeoutMs);
      } finally {
        await poller.stop();
        stats.ingestInvocations += poller.stats.invocations - before.invocations;
        stats.duplicates += poller.stats.duplicates - before.duplicates;
      }
    },
    async close() {
      await Promise.all([sqs.close(), dynamo.close(), functionUrls.close()]);
    },
  };
}
