import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import type { ITopic } from "aws-cdk-lib/aws-sns";
import { BUILT_IN_SOURCE_NAMES, isSourcePath } from "../lib/source/reference.ts";
import { ALARM_SETS, type AlarmSet } from "./alarms.ts";
import { defaultEntry } from "./bundling.ts";
import { TidePropError } from "./errors.ts";
import { assertBatchFitsPayload, SQS_MAX_MESSAGE_BYTES } from "./limits.ts";
import type { LiveEventsOptions } from "./live-events.ts";

/** Everything a user tunes on a Tide deployment. Every prop has a default. */
export interface TideProps {
  /** Names this integration in Port (datasource, resync state). @default "tide-github" */
  readonly integrationId?: string;
  /**
   * The port-app-config.yml bundled with both functions (as `/var/task/port-app-config.yml`).
   * @default the GitHub source's defaults, lib/source/github/defaults/port-app-config.yml
   */
  readonly configFile?: string;
  /** EventBridge Scheduler expression: `rate(...)`, `cron(...)` or `at(...)`. @default "rate(6 hours)" */
  readonly schedule?: string;
  /** IANA time zone in which a `cron(...)` schedule is read. @default "UTC" */
  readonly scheduleTimeZone?: string;
  /**
   * A second schedule, of incremental runs between the full ones (`rate(1 hour)`): each lists
   * only what changed since the last completed run, in the kinds that can (GitHub: repository,
   * pull-request, issue), and deletes nothing. Read in `scheduleTimeZone`; off with the other
   * when `scheduleEnabled` is false. @default unset (no incremental runs)
   */
  readonly incrementalSchedule?: string;
  /** Create the schedules disabled (resync only on demand with `tide resync`). @default true */
  readonly scheduleEnabled?: boolean;
  /** Retries when the scheduler cannot invoke the fanout (0–185). @default 3 */
  readonly scheduleRetryAttempts?: number;
  /** How long the scheduler keeps retrying one trigger (1 minute – 24 hours). @default 1 hour */
  readonly scheduleMaxEventAge?: Duration;
  /** SQS messages per ingest invocation. @default 10 */
  readonly batchSize?: number;
  /** How long the SQS poller gathers a batch (0–300 s). @default 5 seconds */
  readonly maxBatchingWindow?: Duration;
  /** Ingest invocations at once (2–1000): the knob that keeps Port under its rate limit. @default 2 */
  readonly maxConcurrency?: number;
  /** Deliveries of one message before it moves to the DLQ. @default 5 */
  readonly maxReceiveCount?: number;
  /** Largest SQS message the fanout sends (1 KiB – 1 MiB). @default 256 KiB */
  readonly maxMessageBytes?: number;
  /** @default 1024 */
  readonly fanoutMemorySize?: number;
  /** The fanout re-invokes itself before this runs out. @default 15 minutes */
  readonly fanoutTimeout?: Duration;
  /** @default 1024 */
  readonly ingestMemorySize?: number;
  /** The ingest queue's visibility timeout is 6 × this + maxBatchingWindow. @default 5 minutes */
  readonly ingestTimeout?: Duration;
  /** Retention of both functions' log groups. @default RetentionDays.ONE_MONTH */
  readonly logRetention?: RetentionDays;
  /** Use an existing secret (same JSON keys) instead of creating one. @default a new, empty secret */
  readonly secret?: ISecret;
  /** @default "https://api.port.io" (EU); US: "https://api.us.port.io" */
  readonly portBaseUrl?: string;
  /** The GitHub organization to sync. @default unset (the GitHub source decides) */
  readonly githubOrg?: string;
  /** @default "https://api.github.com" */
  readonly githubApiUrl?: string;
  /** More non-secret environment for the source (never tokens: they belong in the secret). */
  readonly environment?: Readonly<Record<string, string>>;
  /** Alarm when the oldest message waiting for the ingest is older than this. @default 1 hour */
  readonly oldestMessageAgeAlarmThreshold?: Duration;
  /** Where alarms (and their recovery) are sent. @default no action */
  readonly alarmTopic?: ITopic;
  /**
   * Which alarms to create, at $0.10 a month each: `all` (up to 10), `essential` (a resync
   * failed or ended partial; none completed for 2 schedule periods) or `none`. @default "all"
   */
  readonly alarms?: AlarmSet;
  /** What happens to the run table and the secret when the stack is deleted. @default RETAIN */
  readonly removalPolicy?: RemovalPolicy;
  /** CloudWatch namespace of the functions' metrics. @default "Tide" */
  readonly metricsNamespace?: string;
  /**
   * Entry file of the fanout (`export const handler`), e.g. a wrapper around a custom source.
   * @default functions/fanout.ts of this package
   */
  readonly fanoutEntry?: string;
  /** Entry file of the ingest (`export const handler`). @default functions/ingest.ts of this package */
  readonly ingestEntry?: string;
  /**
   * The source: a built-in (`"github"`, `"http"`), a source module file (`"./my-source.mjs"`,
   * relative to the directory `cdk` runs in) or an installed package. A module is bundled
   * beside the functions and loaded through `TIDE_SOURCE_MODULE`. Set `integrationId` too.
   * @default "github"
   */
  readonly source?: string;
  /** GitHub webhooks applied as they arrive (a Function URL, a FIFO queue, a worker); see infra/live-events.ts. @default false */
  readonly liveEvents?: boolean | LiveEventsOptions;
}

type Optional = "secret" | "githubOrg" | "alarmTopic" | "liveEvents" | "incrementalSchedule";

/** {@link TideProps} with every default applied and every value checked. */
export type ResolvedTideProps = Required<Omit<TideProps, Optional>> & Pick<TideProps, Optional>;

/** Where the GitHub source keeps its default mapping, relative to this package. */
export const DEFAULT_CONFIG_FILE = fileURLToPath(
  new URL("../lib/source/github/defaults/port-app-config.yml", import.meta.url),
);

export const TIDE_DEFAULTS = {
  fanoutEntry: defaultEntry("fanout"),
  ingestEntry: defaultEntry("ingest"),
  integrationId: "tide-github",
  configFile: DEFAULT_CONFIG_FILE,
  schedule: "rate(6 hours)",
  scheduleTimeZone: "UTC",
  scheduleEnabled: true,
  scheduleRetryAttempts: 3,
  scheduleMaxEventAge: Duration.hours(1),
  batchSize: 10,
  maxBatchingWindow: Duration.seconds(5),
  maxConcurrency: 2,
  maxReceiveCount: 5,
  maxMessageBytes: 256 * 1024,
  fanoutMemorySize: 1024,
  fanoutTimeout: Duration.minutes(15),
  ingestMemorySize: 1024,
  ingestTimeout: Duration.minutes(5),
  logRetention: RetentionDays.ONE_MONTH,
  portBaseUrl: "https://api.port.io",
  githubApiUrl: "https://api.github.com",
  environment: {},
  oldestMessageAgeAlarmThreshold: Duration.hours(1),
  alarms: "all",
  removalPolicy: RemovalPolicy.RETAIN,
  metricsNamespace: "Tide",
  source: "github",
} as const satisfies Required<Omit<TideProps, Optional>>;

/** Environment variables Tide sets itself; `environment` may not override them. */
export const RESERVED_ENVIRONMENT = [
  "TIDE_QUEUE_URL",
  "TIDE_RUN_TABLE",
  "TIDE_SECRET_ARN",
  "TIDE_INTEGRATION_ID",
  "TIDE_CONFIG_FILE",
  "TIDE_MAX_RECEIVE_COUNT",
  "TIDE_MAX_MESSAGE_BYTES",
  "TIDE_SOURCE",
  "TIDE_SOURCE_MODULE",
  "PORT_BASE_URL",
  "GITHUB_ORG",
  "GITHUB_API_URL",
  "POWERTOOLS_SERVICE_NAME",
  "POWERTOOLS_METRICS_NAMESPACE",
  "NODE_OPTIONS",
  "AWS_LAMBDA_EXEC_WRAPPER",
  "MALLOC_ARENA_MAX",
] as const;

/** Applies defaults and checks ranges; throws {@link TidePropError} naming the prop. */
export function resolveTideProps(props: TideProps = {}): ResolvedTideProps {
  const defined = Object.fromEntries(Object.entries(props).filter(([, value]) => value !== undefined));
  const resolved: ResolvedTideProps = { ...TIDE_DEFAULTS, ...defined };

  integer("batchSize", resolved.batchSize, 1, 10_000);
  integer("maxConcurrency", resolved.maxConcurrency, 2, 1000);
  integer("maxReceiveCount", resolved.maxReceiveCount, 1, 1000);
  integer("maxMessageBytes", resolved.maxMessageBytes, 1024, SQS_MAX_MESSAGE_BYTES);
  integer("fanoutMemorySize", resolved.fanoutMemorySize, 128, 10_240);
  integer("ingestMemorySize", resolved.ingestMemorySize, 128, 10_240);
  integer("scheduleRetryAttempts", resolved.scheduleRetryAttempts, 0, 185);
  seconds("fanoutTimeout", resolved.fanoutTimeout, 10, 900);
  seconds("ingestTimeout", resolved.ingestTimeout, 10, 900);
  seconds("maxBatchingWindow", resolved.maxBatchingWindow, 0, 300);
  seconds("scheduleMaxEventAge", resolved.scheduleMaxEventAge, 60, 86_400);
  seconds("oldestMessageAgeAlarmThreshold", resolved.oldestMessageAgeAlarmThreshold, 60, 1_209_600);
  if (!ALARM_SETS.includes(resolved.alarms))
    throw new TidePropError("alarms", resolved.alarms, `must be ${ALARM_SETS.join(", ")}`);
  if (!/^(rate|cron|at)\(.+\)$/.test(resolved.schedule)) {
    throw new TidePropError("schedule", resolved.schedule, "must be rate(...), cron(...) or at(...)");
  }
  const incremental = resolved.incrementalSchedule;
  if (incremental !== undefined && !/^(rate|cron|at)\(.+\)$/.test(incremental)) {
    throw new TidePropError("incrementalSchedule", incremental, "must be rate(...), cron(...) or at(...)");
  }
  if (!/^[A-Za-z0-9][\w.-]{0,99}$/.test(resolved.integrationId)) {
    throw new TidePropError("integrationId", resolved.integrationId, "must be 1–100 letters, digits, . _ -");
  }
  for (const key of Object.keys(resolved.environment)) {
    if ((RESERVED_ENVIRONMENT as readonly string[]).includes(key)) {
      throw new TidePropError(`environment.${key}`, "…", "is set by Tide itself: use the matching prop");
    }
  }
  // SQS rejects more than 10 messages a batch without a batching window.
  if (resolved.batchSize > 10 && resolved.maxBatchingWindow.toSeconds() === 0) {
    throw new TidePropError("batchSize", resolved.batchSize, "above 10 needs maxBatchingWindow > 0");
  }
  for (const prop of ["configFile", "fanoutEntry", "ingestEntry"] as const) {
    if (!existsSync(resolved[prop])) {
      throw new TidePropError(
        prop,
        resolved[prop],
        `does not exist (set the ${prop} prop or -c ${prop}=path)`,
      );
    }
  }
  assertBatchFitsPayload(resolved.batchSize, resolved.maxMessageBytes);
  sourceModuleOf(resolved.source);
  return resolved;
}

/**
 * The file of a `source` prop that names a module (a path, or a package installed where `cdk`
 * runs), or `undefined` for a built-in source.
 * @throws {TidePropError} when the module cannot be found.
 */
export function sourceModuleOf(source: string, cwd = process.cwd()): string | undefined {
  if ((BUILT_IN_SOURCE_NAMES as readonly string[]).includes(source)) return undefined;
  if (isSourcePath(source)) {
    const file = resolve(cwd, source);
    if (!existsSync(file)) throw new TidePropError("source", source, `does not exist (${file})`);
    return file;
  }
  try {
    return createRequire(join(cwd, "package.json")).resolve(source);
  } catch {
    throw new TidePropError(
      "source",
      source,
      `is not a built-in source (${BUILT_IN_SOURCE_NAMES.join(", ")}), a file, nor a package installed here`,
    );
  }
}

function integer(prop: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new TidePropError(prop, value, `must be an integer from ${min} to ${max}`);
  }
}

function seconds(prop: string, value: Duration, min: number, max: number): void {
  const s = value.toSeconds();
  if (!Number.isInteger(s) || s < min || s > max) {
    throw new TidePropError(prop, `${s} seconds`, `must be a whole number of seconds from ${min} to ${max}`);
  }
}
