import { writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context } from "aws-lambda";
import { fanoutHandler, ingestHandler } from "../../lib/aws/handlers.ts";
import { buildRuntime, type Runtime } from "../../lib/aws/runtime.ts";
import type { RunStore } from "../../lib/pipeline/contracts/index.ts";
import { newRunId } from "../../lib/pipeline/ids.ts";
import { type Logger, silentLogger } from "../../lib/pipeline/logger.ts";
import type { RunOutcomes } from "../../lib/pipeline/outcomes.ts";
import type { RunRecord } from "../../lib/pipeline/run.ts";
import { type LocalDynamo, startDynalite } from "./dynalite.ts";
import { type LocalFunctionUrls, startFunctionUrls } from "./lambda-url.ts";
import { type LocalSqs, startSqs } from "./sqs.ts";
import { type PollerOptions, SqsPoller } from "./sqs-poller.ts";
import { INTEGRATION, type World } from "./world.ts";

export interface LambdaWorld {
  sqs: LocalSqs;
  dynamo: LocalDynamo;
  runtime: Runtime;
  /** Lambda's GetFunctionUrlConfig: the fanout (`tide-fanout`) has a Function URL, as in the stack. */
  functionUrls: LocalFunctionUrls;
  /**
   * Lambda's next containers: the runtime built again from the environment (plus `env`), as a
   * container started after the stack's secret changed would build it; the next resync uses it.
   */
  newContainers(env?: Record<string, string>): Promise<void>;
  /** Every run the handlers ended, as the outcome metrics saw it (run id, status, failures). */
  outcomes: Array<{ runId: string; status: string; failureCount: number }>;
  /** A whole resync as AWS would run it: the fanout handler, its continuations, pollers feeding the ingest handler. */
  resync(options?: ResyncOptions): Promise<RunRecord>;
  /** Messages in the dead-letter queue, taken out of it. */
  drainDeadLetters(): Promise<Message[]>;
  /** Sends messages back to the ingest queue, as a DLQ redrive does. */
  redrive(messages: Message[]): Promise<void>;
  queueDepth(): Promise<number>;
  /** Runs the ingest alone until the queue is empty (no new resync). */
  drain(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export interface LambdaWorldOptions {
  maxReceiveCount?: number;
  /** Adds to (or overrides) the environment the stack gives the functions. */
  env?: Record<string, string>;
  /**
   * Puts something between the functions (and the SQS trigger's stand-in) and a local AWS
   * server, e.g. a metering proxy: given the server's endpoint, the one to use instead.
   */
  via?: (service: "sqs" | "dynamodb", endpoint: string) => Promise<string>;
  /** What the functions log (as Powertools' logger would print it); default: nothing. */
  log?: Logger;
  /** Told how long each function invocation took, as Lambda bills it. */
  onInvoke?: (fn: "fanout" | "ingest", ms: number) => void;
}

const SQS_LOCAL = { region: "us-east-1", credentials: { accessKeyId: "local", secretAccessKey: "local" } };

export interface ResyncOptions {
  /** For each fanout invocation, its clock of remaining time (default: 15 minutes). */
  remainingTime?: () => () => number;
  poller?: Partial<PollerOptions>;
  /** A crash of the ingest (as if the Lambda died) after its upserts, before it records them. */
  crashRate?: number;
  random?: () => number;
  timeoutMs?: number;
  /** Start as the incremental schedule does: `{ trigger: "schedule", incremental: true }`. */
  incremental?: boolean;
}

/** Waits until a run has ended (completed, failed or aborted), or throws with its last state. */
export async function runEnded(store: RunStore, runId: string, timeoutMs: number): Promise<RunRecord> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = await store.getRun(runId);
    if (run && run.status !== "running" && run.status !== "reconciling") return run;
    if (Date.now() > deadline) throw new Error(`run ${runId} did not finish: ${JSON.stringify(run)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The fanout's Function URL in the local deployed shape. */
export const FANOUT_FUNCTION_URL = "https://tide-fanout.lambda-url.us-east-1.on.aws/";

/**
 * The environment the stack gives the functions, pointed at the local servers and fakes
 * (the config snapshot written to a file, as the bundle carries it). With `functionUrls`, the
 * Lambda API the fanout asks for its own URL is that fake's.
 */
export async function deployedEnv(
  world: World,
  sqs: LocalSqs,
  dynamo: LocalDynamo,
  maxReceiveCount: number,
  functionUrls?: LocalFunctionUrls,
) {
  const configFile = join(tmpdir(), `tide-config-${process.pid}-${Date.now()}.json`);
  await writeFile(configFile, JSON.stringify(world.config));
  return {
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "local",
    AWS_SECRET_ACCESS_KEY: "local",
    AWS_ENDPOINT_URL_SQS: sqs.endpoint,
    AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
    ...(functionUrls ? { AWS_ENDPOINT_URL_LAMBDA: functionUrls.endpoint } : {}),
    TIDE_INTEGRATION_ID: INTEGRATION,
    TIDE_CONFIG_FILE: configFile,
    TIDE_RUN_TABLE: dynamo.tableName,
    TIDE_QUEUE_URL: sqs.queueUrl,
    TIDE_MAX_RECEIVE_COUNT: String(maxReceiveCount),
    AWS_LAMBDA_FUNCTION_NAME: "tide-fanout",
    PORT_CLIENT_ID: world.port.credentials.clientId,
    PORT_CLIENT_SECRET: world.port.credentials.clientSecret,
    PORT_BASE_URL: world.port.url,
    GITHUB_TOKEN: world.github.token,
    GITHUB_ORG: world.github.org.login,
    GITHUB_API_URL: world.github.url,
  };
}

/**
 * The deployed shape, on this machine: the real handlers and runtime (`buildRuntime`, with
 * the AWS SDK pointed at an SQS-compatible server and dynalite through `AWS_ENDPOINT_URL_*`),
 * the GitHub and Port fakes of `world`, and pollers standing in for Lambda's SQS trigger.
 */
export async function startLambdaWorld(world: World, options: LambdaWorldOptions = {}): Promise<LambdaWorld> {
  const maxReceiveCount = options.maxReceiveCount ?? 3;
  const log = options.log ?? silentLogger;
  const direct = await startSqs({ maxReceiveCount, visibilityTimeout: 30 });
  const directDynamo = await startDynalite();
  const via = options.via ?? (async (_service: string, endpoint: string) => endpoint);
  const sqsEndpoint = await via("sqs", direct.endpoint);
  const sqs: LocalSqs =
    sqsEndpoint === direct.endpoint
      ? direct
      : { ...direct, endpoint: sqsEndpoint, client: new SQSClient({ ...SQS_LOCAL, endpoint: sqsEndpoint }) };
  const dynamo: LocalDynamo = { ...directDynamo, endpoint: await via("dynamodb", directDynamo.endpoint) };
  const timed = <A extends unknown[], R>(fn: "fanout" | "ingest", handler: (...args: A) => Promise<R>) =>
    options.onInvoke
      ? async (...args: A) => {
          const started = performance.now();
          try {
            return await handler(...args);
          } finally {
            options.onInvoke?.(fn, performance.now() - started);
          }
        }
      : handler;
  // e.g. TIDE_SOURCE_MODULE and its settings.
  const functionUrls = await startFunctionUrls({ "tide-fanout": FANOUT_FUNCTION_URL });
  const env = { ...(await deployedEnv(world, sqs, dynamo, maxReceiveCount, functionUrls)), ...options.env };
  Object.assign(process.env, env);
  let runtime = await buildRuntime(env);

  const queueDepth = async () => {
    const attributes = await direct.client.send(
      new GetQueueAttributesCommand({
        QueueUrl: sqs.queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    const a = attributes.Attributes ?? {};
    return Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0);
  };

  const outcomes: LambdaWorld["outcomes"] = [];
  const recordOutcomes: RunOutcomes = {
    runEnded: (run, summary) => {
      outcomes.push({ runId: run.runId, status: summary.status, failureCount: summary.failureCount });
    },
  };

  return {
    sqs,
    dynamo,
    get runtime() {
      return runtime;
    },
    async newContainers(changed = {}) {
      runtime = await buildRuntime({ ...env, ...changed });
    },
    functionUrls,
    outcomes,
    queueDepth,
    async resync(resync: ResyncOptions = {}) {
      const random = resync.random ?? Math.random;
      const context = (): Pick<Context, "getRemainingTimeInMillis"> => {
        const deadline = Date.now() + 15 * 60_000;
        const remaining = resync.remainingTime?.() ?? (() => deadline - Date.now());
        return { getRemainingTimeInMillis: remaining };
      };
      const fanout = timed(
        "fanout",
        fanoutHandler(async () => runtime, log, recordOutcomes),
      );
      const invocations: Array<Promise<unknown>> = [];
      runtime.invoker = () => ({
        async continueFanout(event) {
          invocations.push(
            new Promise((resolve) => setImmediate(resolve)).then(() => fanout(event, context())),
          );
        },
        async reconcile(event) {
          invocations.push(
            new Promise((resolve) => setImmediate(resolve)).then(() => fanout(event, context())),
          );
        },
        async startFanout(event) {
          invocations.push(
            new Promise((resolve) => setImmediate(resolve)).then(() => fanout(event, context())),
          );
        },
      });
      const crashRate = resync.crashRate ?? 0;
      const catalog = runtime.catalog;
      const crashing: Runtime = {
        ...runtime,
        catalog: {
          ...catalog,
          description: catalog.description,
          listOwned: (bp) => catalog.listOwned(bp),
          listOwnedEntities: catalog.listOwnedEntities?.bind(catalog),
          delete: (bp, ids, o) => catalog.delete(bp, ids, o),
          reportResync: (s) => catalog.reportResync?.(s) ?? Promise.resolve(),
          async upsert(bp, entities, o) {
            const outcomes = await catalog.upsert(bp, entities, o);
            if (random() < crashRate) throw new Error("ingest crashed mid-batch (injected)");
            return outcomes;
          },
        },
      };
      const poller = new SqsPoller({
        client: sqs.client,
        queueUrl: sqs.queueUrl,
        handler: timed(
          "ingest",
          ingestHandler(async () => crashing, log, undefined, recordOutcomes),
        ),
        retryVisibilitySeconds: 0,
        random,
        ...resync.poller,
      });
      poller.start();
      let ended: RunRecord | undefined;
      try {
        const runId = newRunId();
        const start = resync.incremental ? { trigger: "schedule", incremental: true } : { trigger: "manual" };
        await fanout({ runId, ...start }, context());
        for (let i = 0; i < invocations.length; i++) await invocations[i];
        ended = await runEnded(runtime.store, runId, resync.timeoutMs ?? 60_000);
        // The step that ended the run (often a reconciliation invocation the ingest started)
        // may still be returning, e.g. flushing its logs to Port: as with Lambda, wait for it.
        for (let i = 0; i < invocations.length; i++) await invocations[i];
        return ended;
      } finally {
        await poller.stop();
        // An ingest's last delivery may ask for the reconciliation after another step claimed
        // it (that invocation finds the run ended and returns): it runs before the servers go.
        for (let i = 0; i < invocations.length; i++) {
          const late = invocations[i] as Promise<unknown>;
          await (ended ? late : late.catch(() => {}));
        }
      }
    },
    async drainDeadLetters() {
      const messages: Message[] = [];
      for (;;) {
        const got = await direct.client.send(
          new ReceiveMessageCommand({ QueueUrl: sqs.dlqUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
        );
        if (!got.Messages?.length) return messages;
        messages.push(...got.Messages);
        await direct.client.send(
          new DeleteMessageBatchCommand({
            QueueUrl: sqs.dlqUrl,
            Entries: got.Messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })),
          }),
        );
      }
    },
    async redrive(messages) {
      for (let i = 0; i < messages.length; i += 10) {
        await direct.client.send(
          new SendMessageBatchCommand({
            QueueUrl: sqs.queueUrl,
            Entries: messages.slice(i, i + 10).map((m, j) => ({ Id: String(j), MessageBody: m.Body ?? "" })),
          }),
        );
      }
    },
    async drain(timeoutMs = 30_000) {
      const poller = new SqsPoller({
        client: sqs.client,
        queueUrl: sqs.queueUrl,
        handler: ingestHandler(async () => runtime, log, undefined, recordOutcomes),
      });
      poller.start();
      try {
        const deadline = Date.now() + timeoutMs;
        while ((await queueDepth()) > 0) {
          if (Date.now() > deadline) throw new Error("the ingest queue did not drain");
          await new Promise((resolve) => setTimeout(resolve, 25));
        }
      } finally {
        await poller.stop();
      }
    },
    async close() {
      if (sqs !== direct) sqs.client.destroy();
      await Promise.all([direct.close(), directDynamo.close(), functionUrls.close()]);
    },
  };
}
