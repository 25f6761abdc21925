import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { PortCatalog } from "../catalog/port-catalog.ts";
import { EventMapping } from "../live/event-mapping.ts";
import { LiveGitHub } from "../live/github-api.ts";
import type { EventQueue } from "../live/receive.ts";
import type { WorkerDeps } from "../live/worker.ts";
import { compileResource, loadConfigFile } from "../mapping/index.ts";
import type { Logger } from "../pipeline/logger.ts";
import { PortClient } from "../port/client.ts";
import { DynamoContentHashes } from "./dynamodb-content-hashes.ts";
import { DynamoLiveState } from "./dynamodb-live-state.ts";
import { type Env, RuntimeConfigError } from "./runtime.ts";
import { loadSecretSettings } from "./secrets.ts";
import { SqsDeadLetters, SqsEventQueue } from "./sqs-event-queue.ts";

/** What the webhook function needs: the secret to check signatures with, and the queue. */
export interface WebhookRuntime {
  secret: string;
  queue: EventQueue;
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new RuntimeConfigError(`${name} is not set: the stack sets it on the function`);
  return value;
}

/** The stack's secret merged over the environment (the environment alone where there is no secret). */
async function settingsOf(env: Env): Promise<Env> {
  const arn = env.TIDE_SECRET_ARN?.trim();
  return arn ? { ...env, ...(await loadSecretSettings(new SecretsManagerClient({}), arn)) } : { ...env };
}

/** Builds the webhook function's runtime. `GITHUB_WEBHOOK_SECRET` comes from the stack's secret. */
export async function buildWebhookRuntime(env: Env = process.env): Promise<WebhookRuntime> {
  const settings = await settingsOf(env);
  const secret = settings.GITHUB_WEBHOOK_SECRET?.trim();
  if (!secret) {
    throw new RuntimeConfigError(
      "GITHUB_WEBHOOK_SECRET is not in the stack's secret: add it (the same value as the GitHub webhook's secret)",
    );
  }
  return {
    secret,
    queue: new SqsEventQueue({
      client: new SQSClient({ useQueueUrlAsEndpoint: false }),
      queueUrl: required(env, "TIDE_EVENTS_QUEUE_URL"),
    }),
  };
}

/** Builds the events worker's dependencies: the bundled mapping, Port, GitHub, the run table, the DLQ. */
export async function buildEventsRuntime(env: Env, log: Logger): Promise<WorkerDeps> {
  const settings = await settingsOf(env);
  const integrationId = required(env, "TIDE_INTEGRATION_ID");
  const config = await loadConfigFile(required(env, "TIDE_CONFIG_FILE"));
  const dynamo = { client: new DynamoDBClient({}), tableName: required(env, "TIDE_RUN_TABLE") };
  const port = PortClient.fromEnv(settings, {
    integrationId,
    integrationType: env.TIDE_SOURCE?.trim() || "github",
  });
  const maxReceiveCount = Number(env.TIDE_MAX_RECEIVE_COUNT ?? 5);
  return {
    org: required(settings, "GITHUB_ORG"),
    mapping: new EventMapping(config, compileResource),
    catalog: new PortCatalog(port, integrationId),
    github: LiveGitHub.fromSettings(settings),
    state: new DynamoLiveState({ ...dynamo, integrationId }),
    hashes: { store: new DynamoContentHashes(dynamo), integrationId },
    log,
    deadLetters: new SqsDeadLetters({
      client: new SQSClient({ useQueueUrlAsEndpoint: false }),
      queueUrl: required(env, "TIDE_EVENTS_DLQ_URL"),
    }),
    maxReceiveCount: Number.isInteger(maxReceiveCount) && maxReceiveCount > 0 ? maxReceiveCount : 5,
  };
}

/** Builds once per container, again after a failure. */
export function perContainer<T>(build: () => Promise<T>): () => Promise<T> {
  let built: Promise<T> | undefined;
  return () => {
    built ??= build();
    built.catch(() => {
      built = undefined;
    });
    return built;
  };
}
