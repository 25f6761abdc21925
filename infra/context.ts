import { resolve } from "node:path";
import { Duration, RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import type { Node } from "constructs";
import { DEFAULT_STACK_NAME } from "../lib/stack-outputs.ts";
import type { AlarmSet } from "./alarms.ts";
import { TidePropError } from "./errors.ts";
import type { TideStackProps } from "./stack.ts";

/**
 * The context values `cdk synth/deploy -c key=value` (or cdk.json's "context") accept.
 * Each maps to the {@link TideProps} prop of the same name; durations are in seconds.
 */
export const TIDE_CONTEXT_KEYS = [
  "stackName",
  "integrationId",
  "configFile",
  "fanoutEntry",
  "ingestEntry",
  "source",
  "schedule",
  "incrementalSchedule",
  "scheduleTimeZone",
  "scheduleEnabled",
  "liveEvents",
  "scheduleRetryAttempts",
  "scheduleMaxEventAgeSeconds",
  "batchSize",
  "maxBatchingWindowSeconds",
  "maxConcurrency",
  "maxReceiveCount",
  "maxMessageBytes",
  "fanoutMemorySize",
  "fanoutTimeoutSeconds",
  "ingestMemorySize",
  "ingestTimeoutSeconds",
  "logRetentionDays",
  "portBaseUrl",
  "githubOrg",
  "githubApiUrl",
  "secretArn",
  "alarmTopicArn",
  "oldestMessageAgeAlarmSeconds",
  "alarms",
  "removalPolicy",
  "metricsNamespace",
] as const;

export type TideContextKey = (typeof TIDE_CONTEXT_KEYS)[number];

/** Stack name and props read from context; relative paths resolve against the working directory. */
export interface TideAppSettings extends TideStackProps {
  readonly stackName: string;
}

/**
 * Reads the standalone app's settings from CDK context. Unset keys keep the defaults;
 * a value of the wrong type throws {@link TidePropError} naming the key.
 *
 * @example
 * const { stackName, ...props } = tideSettingsFromContext(app.node); // -c maxConcurrency=4
 * new TideStack(app, stackName, props);
 */
export function tideSettingsFromContext(node: Node): TideAppSettings {
  const get = (key: TideContextKey): unknown => {
    const value: unknown = node.tryGetContext(key);
    return value === "" || value === null ? undefined : value;
  };
  const text = (key: TideContextKey): string | undefined => {
    const value = get(key);
    if (value === undefined || typeof value === "string") return value;
    throw new TidePropError(`-c ${key}`, value, "must be a string");
  };
  const number = (key: TideContextKey): number | undefined => {
    const value = get(key);
    if (value === undefined) return undefined;
    const n =
      typeof value === "number" ? value : typeof value === "string" ? Number(value.trim()) : Number.NaN;
    if (!Number.isFinite(n)) throw new TidePropError(`-c ${key}`, value, "must be a number");
    return n;
  };
  const flag = (key: TideContextKey): boolean | undefined => {
    const value = get(key);
    if (value === undefined || typeof value === "boolean") return value;
    if (value === "true" || value === "false") return value === "true";
    throw new TidePropError(`-c ${key}`, value, "must be true or false");
  };
  const duration = (key: TideContextKey): Duration | undefined => {
    const s = number(key);
    return s === undefined ? undefined : Duration.seconds(s);
  };

  const retention = number("logRetentionDays");
  if (retention !== undefined && !Object.values(RetentionDays).includes(retention)) {
    throw new TidePropError(
      "-c logRetentionDays",
      retention,
      "must be one of CloudWatch's retention periods",
    );
  }
  const removal = text("removalPolicy");
  if (removal !== undefined && removal !== "retain" && removal !== "destroy") {
    throw new TidePropError("-c removalPolicy", removal, "must be retain or destroy");
  }
  const path = (key: TideContextKey): string | undefined => {
    const value = text(key);
    return value === undefined ? undefined : resolve(value);
  };
  const secretArn = text("secretArn");
  const alarmTopicArn = text("alarmTopicArn");

  return {
    stackName: text("stackName") ?? DEFAULT_STACK_NAME,
    ...(secretArn ? { secretArn } : {}),
    ...(alarmTopicArn ? { alarmTopicArn } : {}),
    tide: {
      integrationId: text("integrationId"),
      configFile: path("configFile"),
      fanoutEntry: path("fanoutEntry"),
      ingestEntry: path("ingestEntry"),
      // A built-in name or a package stays as is; a module path is resolved by the construct.
      source: text("source"),
      schedule: text("schedule"),
      incrementalSchedule: text("incrementalSchedule"),
      scheduleTimeZone: text("scheduleTimeZone"),
      scheduleEnabled: flag("scheduleEnabled"),
      liveEvents: flag("liveEvents"),
      scheduleRetryAttempts: number("scheduleRetryAttempts"),
      scheduleMaxEventAge: duration("scheduleMaxEventAgeSeconds"),
      batchSize: number("batchSize"),
      maxBatchingWindow: duration("maxBatchingWindowSeconds"),
      maxConcurrency: number("maxConcurrency"),
      maxReceiveCount: number("maxReceiveCount"),
      maxMessageBytes: number("maxMessageBytes"),
      fanoutMemorySize: number("fanoutMemorySize"),
      fanoutTimeout: duration("fanoutTimeoutSeconds"),
      ingestMemorySize: number("ingestMemorySize"),
      ingestTimeout: duration("ingestTimeoutSeconds"),
      logRetention: retention as RetentionDays | undefined,
      portBaseUrl: text("portBaseUrl"),
      githubOrg: text("githubOrg"),
      githubApiUrl: text("githubApiUrl"),
      oldestMessageAgeAlarmThreshold: duration("oldestMessageAgeAlarmSeconds"),
      // Checked with the other props (`resolveTideProps`), which names the allowed values.
      alarms: text("alarms") as AlarmSet | undefined,
      removalPolicy:
        removal === undefined
          ? undefined
          : removal === "retain"
            ? RemovalPolicy.RETAIN
            : RemovalPolicy.DESTROY,
      metricsNamespace: text("metricsNamespace"),
    },
  };
}
