/**
 * What a run and a month cost, from what a run was counted to use (requests, invocations,
 * billed durations) and what the stack holds (alarms, secrets, custom metrics, the SQS
 * trigger's idle polling), at the prices of `prices.ts`.
 */
import { HOURS_PER_MONTH, PRICES } from "./prices.ts";

/** What one run used, as counted through the metering proxies. */
export interface RunUse {
  entities: number;
  fanoutInvocations: number;
  ingestInvocations: number;
  /** Summed invocation durations, each rounded up to the millisecond as Lambda bills. */
  fanoutMs: number;
  ingestMs: number;
  sqsRequests: number;
  dynamoReadUnits: number;
  dynamoWriteUnits: number;
}

/** What the stack costs to keep, whether or not it runs. */
export interface StackShape {
  fanoutMemoryMb: number;
  ingestMemoryMb: number;
  /** Alarm metrics: CloudWatch bills an alarm for each metric it reads. */
  alarms: number;
  secrets: number;
  /** Custom metrics (name × dimensions) a run publishes, each billed for the hours it is published in. */
  customMetrics: number;
  /**
   * Lambda's SQS trigger keeps long-polling an idle queue. Assumed: 5 pollers, each a 20 s
   * receive at a time (the documented starting point of the trigger's scaling).
   */
  idlePollers: number;
}

export interface RunCost {
  lambda: number;
  sqs: number;
  dynamodb: number;
  /**
   * The scheduler's trigger and secret reads at cold start (each invocation counted as one, an
   * upper bound): the fanout and the ingest each read the credentials secret, the only one they
   * read (the resync webhook's path is derived from it).
   */
  other: number;
  total: number;
}

export function runCost(use: RunUse, stack: StackShape): RunCost {
  const gbSeconds =
    (use.fanoutMs / 1000) * (stack.fanoutMemoryMb / 1024) +
    (use.ingestMs / 1000) * (stack.ingestMemoryMb / 1024);
  const invocations = use.fanoutInvocations + use.ingestInvocations;
  const lambda = gbSeconds * PRICES.lambda.gbSecond + invocations * PRICES.lambda.request;
  const sqs = use.sqsRequests * PRICES.sqs.request;
  const dynamodb =
    use.dynamoWriteUnits * PRICES.dynamodb.writeUnit + use.dynamoReadUnits * PRICES.dynamodb.readUnit;
  const reads = (use.fanoutInvocations + use.ingestInvocations) * Math.min(1, stack.secrets);
  const other = PRICES.scheduler.invocation + reads * PRICES.secretsManager.call;
  return { lambda, sqs, dynamodb, other, total: lambda + sqs + dynamodb + other };
}

/** A run's use scaled to another number of entities (every counted figure grows with them). */
export function scaleUse(use: RunUse, entities: number): RunUse {
  const f = entities / use.entities;
  return {
    entities,
    fanoutInvocations: Math.max(1, Math.round(use.fanoutInvocations * f)),
    ingestInvocations: Math.round(use.ingestInvocations * f),
    fanoutMs: use.fanoutMs * f,
    ingestMs: use.ingestMs * f,
    sqsRequests: use.sqsRequests * f,
    dynamoReadUnits: use.dynamoReadUnits * f,
    dynamoWriteUnits: use.dynamoWriteUnits * f,
  };
}

export interface MonthCost {
  runs: number;
  /** The runs themselves: one first resync, the rest unchanged. */
  running: number;
  idlePolling: number;
  alarms: number;
  secrets: number;
  metrics: number;
  total: number;
}

/**
 * A month of resyncs every `everyHours`: the first writes everything, the others find it
 * unchanged. Custom metrics are billed for the hours they are published in (one per run).
 */
export function monthCost(
  first: RunUse,
  unchanged: RunUse,
  stack: StackShape,
  everyHours: number,
): MonthCost {
  const runs = Math.round(HOURS_PER_MONTH / everyHours);
  const running = runCost(first, stack).total + (runs - 1) * runCost(unchanged, stack).total;
  const receivesPerPoller = (HOURS_PER_MONTH * 3600) / 20;
  const idlePolling = stack.idlePollers * receivesPerPoller * PRICES.sqs.request;
  const alarms = stack.alarms * PRICES.cloudWatch.alarmMonth;
  const secrets = stack.secrets * PRICES.secretsManager.secretMonth;
  const metrics = stack.customMetrics * PRICES.cloudWatch.metricMonth * Math.min(1, runs / HOURS_PER_MONTH);
  return {
    runs,
    running,
    idlePolling,
    alarms,
    secrets,
    metrics,
    total: running + idlePolling + alarms + secrets + metrics,
  };
}

/** Ocean on an always-on Fargate task (0.5 vCPU, 1 GB). */
export function oceanMonthCost(vcpu = 0.5, gb = 1): number {
  return HOURS_PER_MONTH * (vcpu * PRICES.fargate.vcpuHour + gb * PRICES.fargate.gbHour);
}
