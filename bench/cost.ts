/**
 * `npm run bench -- cost`: what a run costs on AWS. A resync runs through the real handlers
 * against the SQS-compatible server and dynalite, behind metering proxies that count what AWS
 * bills (SQS 64 KB request chunks, DynamoDB request units as the server reports them, Lambda
 * invocations and their durations), with GitHub and Port at 50 ms a request; then again on
 * unchanged data. The counts are scaled to 100k entities and to a month of 6-hourly resyncs
 * of a 2,000-repository org, priced (`cost/prices.ts`), and set beside Ocean on Fargate.
 */

import type { TideProps } from "../infra/props.ts";
import { synthTide } from "../test/infra/synth.ts";
import { type LambdaWorld, startLambdaWorld } from "../test/support/lambda-world.ts";
import { emitted, metricNames, summary } from "../test/support/run-metrics.ts";
import { startWorld, type World } from "../test/support/world.ts";
import { type MeteredEndpoint, meter } from "./cost/meter.ts";
import {
  type MonthCost,
  monthCost,
  oceanMonthCost,
  type RunUse,
  runCost,
  type StackShape,
  scaleUse,
} from "./cost/model.ts";
import type { BenchRow } from "./row.ts";

const REPOS = 250;
const PULLS_PER_REPO = 19;
const LATENCY_MS = 50;
/** The issue's org: 2,000 repositories × 10 pull requests. */
const ORG_ENTITIES = 2_000 * 11;
const EVERY_HOURS = 6;

const usd = (n: number) => (n < 0.01 ? `$${n.toFixed(5)}` : `$${n.toFixed(2)}`);

/** The deployed stack's shape, read from its template: memory sizes, alarm metrics, secrets, custom metrics. */
function stackShape(tide: TideProps = {}): StackShape {
  const { template } = synthTide({ tide }, { bundle: false });
  const json = template.toJSON() as {
    Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  };
  const resources = Object.values(json.Resources);
  const memory = (name: string) => {
    const fn = Object.entries(json.Resources).find(
      ([id, r]) => r.Type === "AWS::Lambda::Function" && id.toLowerCase().includes(name),
    );
    return Number(fn?.[1].Properties?.MemorySize ?? 128);
  };
  return {
    fanoutMemoryMb: memory("fanout"),
    ingestMemoryMb: memory("ingest"),
    // CloudWatch bills an alarm for each metric it reads (a math expression's every metric).
    alarms: resources
      .filter((r) => r.Type === "AWS::CloudWatch::Alarm")
      .reduce((n, r) => n + metricsRead(r.Properties?.Metrics), 0),
    secrets: resources.filter((r) => r.Type === "AWS::SecretsManager::Secret").length,
    // What the real emitter publishes at the end of a clean run (the usual one).
    customMetrics: metricNames(emitted(summary())).length,
    idlePollers: 5,
  };
}

const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;

/** What a month adds to the runs: alarm metrics, secrets, custom metrics. */
const fixed = (shape: StackShape, month: MonthCost) =>
  `${count(shape.alarms, "alarm metric")} ${usd(month.alarms)}, ${count(shape.secrets, "secret")} ` +
  `${usd(month.secrets)}, ${count(shape.customMetrics, "custom metric")} ${usd(month.metrics)}`;

/** The metrics an alarm reads: its one metric, or each metric of its math expression. */
function metricsRead(queries: unknown): number {
  if (!Array.isArray(queries)) return 1;
  return queries.filter((q) => typeof q === "object" && q !== null && "MetricStat" in q).length;
}

/** What a run used, and the GitHub requests it made (a 304 is not counted against the rate limit). */
type MeasuredRun = RunUse & { github: { requests: number; notModified: number } };

async function measure(): Promise<{ first: MeasuredRun; unchanged: MeasuredRun }> {
  let world: World | undefined;
  let aws: LambdaWorld | undefined;
  const meters: Partial<Record<"sqs" | "dynamodb", MeteredEndpoint>> = {};
  const durations = { fanout: [] as number[], ingest: [] as number[] };
  try {
    world = await startWorld({
      github: {
        repos: REPOS,
        pullsPerRepo: PULLS_PER_REPO,
        issuesPerRepo: 0,
        teams: 0,
        latencyMs: LATENCY_MS,
      },
      port: { faults: { latencyMs: LATENCY_MS } },
    });
    aws = await startLambdaWorld(world, {
      via: async (service, endpoint) => {
        const m = await meter(service, endpoint);
        meters[service] = m;
        return m.endpoint;
      },
      onInvoke: (fn, ms) => durations[fn].push(Math.ceil(ms)),
    });
    const once = async (): Promise<MeasuredRun> => {
      for (const m of Object.values(meters)) m.reset();
      world!.github.resetStats();
      durations.fanout.length = 0;
      durations.ingest.length = 0;
      const run = await aws!.resync({ timeoutMs: 600_000 });
      if (run.status !== "completed") throw new Error(`the measured run ended ${run.status}`);
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      if (process.env.TIDE_BENCH_TRACE)
        console.error("DynamoDB", meters.dynamodb!.use.unitsByItem, meters.dynamodb!.use.requests, durations);
      return {
        entities: Object.values(world!.expected()).reduce((n, ids) => n + ids.length, 0),
        fanoutInvocations: durations.fanout.length,
        ingestInvocations: durations.ingest.length,
        fanoutMs: sum(durations.fanout),
        ingestMs: sum(durations.ingest),
        sqsRequests: meters.sqs!.use.billedRequests,
        dynamoReadUnits: meters.dynamodb!.use.readUnits,
        dynamoWriteUnits: meters.dynamodb!.use.writeUnits,
        // A 304 to a conditional request is not counted against GitHub's rate limit.
        github: {
          requests: world!.github.stats.requests,
          notModified: world!.github.stats.byStatus[304] ?? 0,
        },
      };
    };
    const first = await once();
    const unchanged = await once();
    return { first, unchanged };
  } finally {
    await aws?.close();
    await world?.close();
    await Promise.all(Object.values(meters).map((m) => m.close()));
  }
}

export async function run(): Promise<BenchRow[]> {
  const stack = stackShape();
  const { first, unchanged } = await measure();
  const per = (use: RunUse) =>
    `${use.fanoutInvocations}+${use.ingestInvocations} invocations, ${(use.ingestMs / 1000).toFixed(1)} s ingest, ` +
    `${Math.round(use.sqsRequests)} SQS req, ${Math.round(use.dynamoWriteUnits)} WRU/${Math.round(use.dynamoReadUnits)} RRU`;
  const first100k = runCost(scaleUse(first, 100_000), stack);
  const unchanged100k = runCost(scaleUse(unchanged, 100_000), stack);
  const month = monthCost(
    scaleUse(first, ORG_ENTITIES),
    scaleUse(unchanged, ORG_ENTITIES),
    stack,
    EVERY_HOURS,
  );
  const essential = stackShape({ alarms: "essential" });
  const lean = monthCost(
    scaleUse(first, ORG_ENTITIES),
    scaleUse(unchanged, ORG_ENTITIES),
    essential,
    EVERY_HOURS,
  );
  const ocean = oceanMonthCost();
  const group = "cost";
  const { github } = unchanged;
  const counted = github.requests - github.notModified;
  const share = (n: number) => `${((100 * n) / first.github.requests).toFixed(1)}%`;
  return [
    {
      group,
      name: "GitHub requests of the unchanged run, against the first",
      value:
        `${github.requests} of ${first.github.requests} (${share(github.requests)}); counted against the rate limit ` +
        `${counted} (${share(counted)}, the other ${github.notModified} answered 304)`,
      target: "≤ 10% counted",
      pass: counted <= 0.1 * first.github.requests,
    },
    { group, name: `counted: first run, ${first.entities} entities`, value: per(first), target: "" },
    {
      group,
      name: `counted: unchanged run, ${unchanged.entities} entities`,
      value: per(unchanged),
      target: "",
    },
    {
      group,
      name: "first resync of 100k entities (scaled)",
      value: `${usd(first100k.total)} (Lambda ${usd(first100k.lambda)}, SQS ${usd(first100k.sqs)}, DynamoDB ${usd(first100k.dynamodb)}, secret reads ${usd(first100k.other)})`,
      target: "",
    },
    {
      group,
      name: "unchanged resync of 100k entities (scaled)",
      value: `${usd(unchanged100k.total)} (Lambda ${usd(unchanged100k.lambda)}, SQS ${usd(unchanged100k.sqs)}, DynamoDB ${usd(unchanged100k.dynamodb)}, secret reads ${usd(unchanged100k.other)})`,
      target: "≤ $0.01",
      pass: unchanged100k.total <= 0.01,
    },
    {
      group,
      name: `month, ${month.runs} resyncs of ${ORG_ENTITIES.toLocaleString("en")} entities: runs only`,
      value: `${usd(month.running + month.idlePolling)} (runs ${usd(month.running)}, SQS trigger idle polling ${usd(month.idlePolling)})`,
      target: "≤ $1",
      pass: month.running + month.idlePolling <= 1,
    },
    {
      group,
      name: "month: with what the stack keeps",
      value: `${usd(month.total)} (+ ${fixed(stack, month)})`,
      target: "≤ $1",
      pass: month.total <= 1,
    },
    {
      group,
      name: "month: with alarms=essential",
      value: `${usd(lean.total)} (+ ${fixed(essential, lean)})`,
      target: "≤ $1",
      pass: lean.total <= 1,
    },
    { group, name: "Ocean on Fargate (0.5 vCPU, 1 GB, always on), month", value: usd(ocean), target: "" },
  ];
}
