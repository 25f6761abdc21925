import { readFile } from "node:fs/promises";
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { LambdaClient } from "@aws-sdk/client-lambda";
import { SecretsManagerClient } from "@aws-sdk/client-secrets-manager";
import { SQSClient } from "@aws-sdk/client-sqs";
import pkg from "../../package.json" with { type: "json" };
import { PortCatalog } from "../catalog/port-catalog.ts";
import { TideError } from "../errors.ts";
import { PortLog } from "../integration/logs.ts";
import { resyncPathSecret } from "../integration/resync-path.ts";
import { intervalMinutesOf, resyncStateOf } from "../integration/resync-state.ts";
import { type IntegrationRun, openIntegrationRun } from "../integration/session.ts";
import { compileConfig, compileResource, loadConfigFile, type PortAppConfig } from "../mapping/index.ts";
import type {
  Catalog,
  ContentHashes,
  Invoker,
  PartitionMemos,
  Queue,
  RunStore,
} from "../pipeline/contracts/index.ts";
import { DEFAULT_FANOUT_OPTIONS, type FanoutOptions, type StartEvent } from "../pipeline/fanout.ts";
import type { Logger } from "../pipeline/logger.ts";
import { RunMappers } from "../pipeline/mappers.ts";
import { type SecondLook, sourceSecondLook } from "../pipeline/second-look.ts";
import { DEFAULT_STALL_BOUNDS, type StallBounds } from "../pipeline/watchdog.ts";
import { PortClient } from "../port/client.ts";
import { getSourceDefinition, resolveSettings } from "../source/index.ts";
import { loadSource } from "../source/load.ts";
import type { Source } from "../source/types.ts";
import { ownChangelogUrl } from "./changelog.ts";
import { DynamoContentHashes } from "./dynamodb-content-hashes.ts";
import { DynamoPartitionMemos } from "./dynamodb-partition-memos.ts";
import { DynamoRunStore } from "./dynamodb-run-store.ts";
import { LambdaInvoker } from "./lambda-invoker.ts";
import { loadSecretSettings } from "./secrets.ts";
import { SqsQueue } from "./sqs-queue.ts";

/** Everything a handler wires to the pipeline, built once per container. */
export interface Runtime {
  integrationId: string;
  /** The bundled mapping: the integration's initial default, used when Port has none. */
  config: PortAppConfig;
  /**
   * At every run start: registers the installation in Port (version, changelog destination)
   * and reads the mapping Port holds, so an edit in Port's UI applies without a redeploy.
   * Throws `PortMappingError` (reported to Port) when Port's mapping is invalid.
   */
  openIntegration(log: Logger): Promise<IntegrationRun>;
  /** The pipeline's logger, teeing to the integration's log in Port (flush with `close`). */
  portLog(log: Logger): Promise<{ logger: Logger; close(): Promise<void> }>;
  store: RunStore;
  queue: Queue;
  catalog: Catalog;
  hashes: ContentHashes;
  memos: PartitionMemos;
  mappers: RunMappers;
  /** The source's second look for reconciliation (it builds the source only when used). */
  look: SecondLook;
  fanoutOptions: FanoutOptions;
  maxReceiveCount: number;
  /** When a run counts as stalled (the watchdog); Lambda's defaults. */
  stall: StallBounds;
  /** Hands a run's reconciliation to its own fanout invocation. */
  handOff(runId: string): Promise<void>;
  /** Built on first use: only the fanout reads the source. */
  source(): Source;
  invoker(): Invoker & { startFanout(event: StartEvent): Promise<void> };
  /**
   * Port's changelog webhook: the path secret (derived from Port's client secret, see
   * `resyncPathSecret`) and Port's client secret (for signatures). Neither without a client secret.
   */
  changelog: { pathSecret?: string; signingSecret?: string };
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
  const configFile = required(env, "TIDE_CONFIG_FILE");
  const config = await loadConfigFile(configFile);
  // Every jq expression and value prefix is checked once per container, before any run starts.
  await compileConfig(config);
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
  const intervalMinutes = intervalMinutesOf(env.TIDE_SCHEDULE);
  const clientSecret = settings.PORT_CLIENT_SECRET?.trim() || undefined;
  // The resync webhook's path comes from the credentials already read: no second secret.
  const pathSecret = clientSecret ? resyncPathSecret(clientSecret, integrationId) : undefined;
  let changelogUrl: Promise<string | undefined> | undefined;
  let ingestUrl: Promise<string | undefined> | undefined;
  let source: Source | undefined;
  let invoker: LambdaInvoker | undefined;
  const mappers = new RunMappers(store, compileResource);
  const runtime: Runtime = {
    integrationId,
    config,
    store,
    queue,
    catalog: new PortCatalog(port, integrationId, {
      resyncState: (report) => resyncStateOf(report, intervalMinutes),
    }),
    changelog: { pathSecret, signingSecret: clientSecret },
    openIntegration: async (log) => {
      // Read once per container: the function's URL does not change, nor does the path secret
      // (the container's client secret). Registered at every run start, so after a rotation of
      // the client secret the first run of a new container tells Port the new URL.
      changelogUrl ??= changelogUrlOf(env, pathSecret, log);
      return openIntegrationRun({
        port,
        installation: {
          type: sourceName,
          version: pkg.version,
          changelogUrl: await changelogUrl,
        },
        mapping: {
          // The bundled file stands for the source's default: stored in Port when Port has none.
          sourceDefault: { name: sourceName, text: () => readFile(configFile, "utf8") },
        },
        intervalMinutes,
        log,
      });
    },
    async portLog(log) {
      // Read once per container: the ingest URL does not change between runs.
      ingestUrl ??= port.getIntegration().then(
        (i) => (i?.logAttributes as { ingestUrl?: string } | undefined)?.ingestUrl,
        () => undefined,
      );
      const url = await ingestUrl;
      if (!url) return { logger: log, close: async () => {} };
      const shipped = new PortLog(port, url, log);
      return { logger: shipped.logger, close: () => shipped.close() };
    },
    hashes: new DynamoContentHashes(dynamo),
    memos: new DynamoPartitionMemos(dynamo),
    mappers,
    look: sourceSecondLook({ source: () => runtime.source(), mappers }),
    fanoutOptions: {
      ...DEFAULT_FANOUT_OPTIONS,
      maxMessageBytes: positive(env, "TIDE_MAX_MESSAGE_BYTES", DEFAULT_FANOUT_OPTIONS.maxMessageBytes),
      lingerMs: positive(env, "TIDE_LINGER_MS", DEFAULT_FANOUT_OPTIONS.lingerMs),
      partitionConcurrency: positive(
        env,
        "TIDE_PARTITION_CONCURRENCY",
        DEFAULT_FANOUT_OPTIONS.partitionConcurrency,
      ),
    },
    maxReceiveCount: positive(env, "TIDE_MAX_RECEIVE_COUNT", 5),
    stall: DEFAULT_STALL_BOUNDS,
    async handOff(runId) {
      const invoker = runtime.invoker();
      if (!invoker.reconcile) throw new Error("this invoker cannot start a reconciliation step");
      await invoker.reconcile({ type: "reconcile", runId });
    },
    source() {
      if (!source) {
        if (loaded?.error) throw loaded.error;
        const definition = loaded?.definition ?? getSourceDefinition(sourceName);
        source = definition.create(resolveSettings(definition, settings));
      }
      return source;
    },
    invoker() {
      // The ingest starts reconciliation steps on the fanout function; the fanout invokes itself.
      const fanout = env.TIDE_FANOUT_FUNCTION?.trim() || required(env, "AWS_LAMBDA_FUNCTION_NAME");
      invoker ??= new LambdaInvoker(new LambdaClient({}), fanout);
      return invoker;
    },
  };
  return runtime;
}

/**
 * Port's changelog destination: this function's own Function URL and the path secret derived
 * from Port's client secret (never in the template or the environment). Undefined (and Port's
 * destination left as it is) outside Lambda, without a client secret, or when the function has
 * no URL or its URL cannot be read.
 */
async function changelogUrlOf(env: Env, pathSecret: string | undefined, log: Logger) {
  const name = env.AWS_LAMBDA_FUNCTION_NAME?.trim();
  if (!pathSecret || !name) return undefined;
  try {
    return await ownChangelogUrl(new LambdaClient({}), name, pathSecret);
  } catch (error) {
    log.warn("could not read this function's URL: Port's changelog destination is left as it is", {
      error: (error as Error).message,
    });
    return undefined;
  }
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
