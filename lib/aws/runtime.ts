import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import { PortCatalog } from "../catalog/port-catalog.ts";
import { TideError } from "../errors.ts";
import { compileResource, loadConfigFile, type PortAppConfig } from "../mapping/index.ts";
import { DEFAULT_FANOUT_OPTIONS, type FanoutOptions } from "../pipeline/fanout.ts";
import { RunMappers } from "../pipeline/mappers.ts";
import type { Catalog, ContentHashes, Invoker, Queue, RunStore } from "../pipeline/ports.ts";
import { type SecondLook, sourceSecondLook } from "../pipeline/second-look.ts";
import { PortClient } from "../port/client.ts";
import { getSourceDefinition, resolveSettings } from "../source/index.ts";
import { loadSource } from "../source/load.ts";
import type { Source } from "../source/types.ts";
import { DynamoContentHashes } from "./dynamodb-content-hashes.ts";
import { DynamoRunStore } from "./dynamodb-run-store.ts";
import { LambdaInvoker } from "./lambda-invoker.ts";
import { loadSecretSettings } from "./secrets.ts";
import { SqsQueue } from "./sqs-queue.ts";

/** Everything a handler wires to the pipeline, built once per container. */
export interface Runtime {
  integrationId: string;
  config: PortAppConfig;
  store: RunStore;
  queue: Queue;
  catalog: Catalog;
  hashes: ContentHashes;
  mappers: RunMappers;
  /** The source's second look for reconciliation (it builds the source only when used). */
  look: SecondLook;
  fanoutOptions: FanoutOptions;
  maxReceiveCount: number;
  /** Built on first use: only the fanout reads the source. */
  source(): Source;
  invoker(): Invoker;
}

export type Env = Record<string, string | undefined>;

/** Names the missing variable: a deployment problem, not a run failure. */
export class RuntimeConfigError extends TideError {
  override readonly name = "RuntimeConfigError";
}

function required(env: Env, name: string): string {
  const value = env[name]?.trim();
  if (!value) throw new RuntimeConfigError(`${name} is not set: the stack sets it on the function`);
  return value;
}

function positive(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value <= 0)
    throw new RuntimeConfigError(`${name}: "${raw}" is not a positive integer`);
  return value;
}

/**
 * Builds the runtime of a Lambda container from its environment and the stack's secret.
 * The AWS clients honour the standard `AWS_ENDPOINT_URL_*` variables, which is how the
 * tests point them at local servers.
 */
export async function buildRuntime(env: Env = process.env): Promise<Runtime> {
  const integrationId = required(env, "TIDE_INTEGRATION_ID");
  const secretArn = env.TIDE_SECRET_ARN?.trim();
  const secrets = secretArn ? await loadSecretSettings(new SecretsManagerClient({}), secretArn) : {};
  const settings: Env = { ...env, ...secrets };
  const config = await loadConfigFile(required(env, "TIDE_CONFIG_FILE"));
  const dynamo = { client: new DynamoDBClient({}), tableName: required(env, "TIDE_RUN_TABLE") };
  const store = new DynamoRunStore(dynamo);
  // The queue URL names the endpoint already; not reading it again spares a parse per call.
  const queue = new SqsQueue({
    client: new SQSClient({ useQueueUrlAsEndpoint: false }),
    queueUrl: required(env, "TIDE_QUEUE_URL"),
  });
  // A source module (TIDE_SOURCE_MODULE, bundled by the construct) is loaded now; if it cannot
  // be, only the steps that need the source fail, with the module's error.
  const moduleRef = env.TIDE_SOURCE_MODULE?.trim();
  const loaded = moduleRef
    ? await loadSource(moduleRef, process.cwd()).then(
        (definition) => ({ definition, error: undefined }),
        (error: unknown) => ({ definition: undefined, error }),
      )
    : undefined;
  const sourceName = loaded?.definition?.name ?? (env.TIDE_SOURCE?.trim() || "github");
  const port = PortClient.fromEnv(settings, { integrationId, integrationType: sourceName });
  let source: Source | undefined;
  let invoker: Invoker | undefined;
  const mappers = new RunMappers(store, compileResource);
  const runtime: Runtime = {
    integrationId,
    config,
    store,
    queue,
    catalog: new PortCatalog(port, integrationId),
    hashes: new DynamoContentHashes(dynamo),
    mappers,
    look: sourceSecondLook({ source: () => runtime.source(), mappers }),
    fanoutOptions: {
      ...DEFAULT_FANOUT_OPTIONS,
      maxMessageBytes: positive(env, "TIDE_MAX_MESSAGE_BYTES", DEFAULT_FANOUT_OPTIONS.maxMessageBytes),
      partitionConcurrency: positive(
        env,
        "TIDE_PARTITION_CONCURRENCY",
        DEFAULT_FANOUT_OPTIONS.partitionConcurrency,
      ),
    },
    maxReceiveCount: positive(env, "TIDE_MAX_RECEIVE_COUNT", 5),
    source() {
      if (!source) {
        if (loaded?.error) throw loaded.error;
        const definition = loaded?.definition ?? getSourceDefinition(sourceName);
        source = definition.create(resolveSettings(definition, settings));
      }
      return source;
    },
    invoker() {
      invoker ??= new LambdaInvoker(new LambdaClient({}), required(env, "AWS_LAMBDA_FUNCTION_NAME"));
      return invoker;
    },
  };
  return runtime;
}

let containerRuntime: Promise<Runtime> | undefined;

/** The container's runtime, built on first use and kept across invocations (rebuilt after a failure). */
export function runtimeOfContainer(): Promise<Runtime> {
  containerRuntime ??= buildRuntime(process.env);
  containerRuntime.catch(() => {
    containerRuntime = undefined;
  });
  return containerRuntime;
}
