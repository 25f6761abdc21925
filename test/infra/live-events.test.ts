import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { build } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { tideBundling } from "../../infra/bundling.ts";
import { LIVE_EVENTS_DEFAULTS } from "../../infra/live-events.ts";
import { RUN_TABLE_ACTIONS } from "../../infra/tide.ts";
import { FIXTURE_CONFIG, getAtt, policyStatements, ref, type Synthesized, synthTide } from "./synth.ts";

// Template only (esbuild skipped); the last test bundles the real entry points on their own.
let s: Synthesized;
let ids: Record<"webhook" | "worker" | "queue" | "dlq" | "table" | "secret", string>;
beforeAll(() => {
  s = synthTide({ tide: { liveEvents: { maxConcurrency: 3 } } }, { bundle: false });
  const live = s.stack.tide.liveEvents;
  if (!live) throw new Error("liveEvents: true made no TideLiveEvents");
  ids = {
    webhook: s.logicalId(live.webhook),
    worker: s.logicalId(live.worker),
    queue: s.logicalId(live.queue),
    dlq: s.logicalId(live.deadLetterQueue),
    table: s.logicalId(s.stack.tide.runTable),
    secret: s.logicalId(s.stack.tide.secret),
  };
});
afterAll(() => rmSync(s.outdir, { recursive: true, force: true }));

const props = (logicalId: string) =>
  (s.template.toJSON().Resources as Record<string, { Properties: Record<string, unknown> }>)[logicalId]
    ?.Properties ?? {};

describe("live events in the stack", () => {
  it("has no live-events resources unless asked", () => {
    const plain = synthTide({}, { bundle: false });
    expect(plain.stack.tide.liveEvents).toBeUndefined();
    // The one Function URL is the fanout's, for Port's resync webhook.
    plain.template.resourceCountIs("AWS::Lambda::Url", 1);
    plain.template.hasResourceProperties("AWS::Lambda::Url", {
      TargetFunctionArn: { "Fn::GetAtt": [plain.logicalId(plain.stack.tide.fanout), "Arn"] },
    });
    rmSync(plain.outdir, { recursive: true, force: true });
  });

  it("serves GitHub on a Function URL without IAM auth (the signature is the check)", () => {
    s.template.hasResourceProperties("AWS::Lambda::Url", {
      AuthType: "NONE",
      TargetFunctionArn: getAtt(ids.webhook),
    });
    const env = (props(ids.webhook).Environment as { Variables: Record<string, unknown> }).Variables;
    expect(Object.keys(env).sort()).toEqual(
      [
        "NODE_OPTIONS",
        "AWS_LAMBDA_EXEC_WRAPPER",
        "MALLOC_ARENA_MAX",
        "POWERTOOLS_SERVICE_NAME",
        "TIDE_EVENTS_QUEUE_URL",
        "TIDE_SECRET_ARN",
      ].sort(),
    );
    expect(props(ids.webhook).Timeout).toBe(10);
    const outputs = Object.values(s.template.toJSON().Outputs as Record<string, { Value: unknown }>);
    expect(JSON.stringify(outputs)).toContain("webhooks/github");
  });

  it("queues on an encrypted SQS FIFO queue deduplicated per entity, with a FIFO DLQ", () => {
    expect(props(ids.queue)).toMatchObject({
      FifoQueue: true,
      ContentBasedDeduplication: false,
      DeduplicationScope: "messageGroup",
      FifoThroughputLimit: "perMessageGroupId",
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 360,
      RedrivePolicy: { deadLetterTargetArn: getAtt(ids.dlq), maxReceiveCount: 6 },
    });
    expect(props(ids.dlq)).toMatchObject({ FifoQueue: true, MessageRetentionPeriod: 14 * 86_400 });
    s.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      FunctionName: ref(ids.worker),
      EventSourceArn: getAtt(ids.queue),
      BatchSize: 10,
      FunctionResponseTypes: ["ReportBatchItemFailures"],
      ScalingConfig: { MaximumConcurrency: 3 },
    });
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      Dimensions: [{ Name: "QueueName", Value: getAtt(ids.dlq, "QueueName") }],
      Threshold: 1,
    });
  });

  it("grants each function only what it does", () => {
    const of = (fn: string) => {
      const role = (props(fn).Role as { "Fn::GetAtt": [string, string] })["Fn::GetAtt"][0];
      const policies = s.template.findResources("AWS::IAM::Policy", {
        Properties: { Roles: Match.arrayWith([ref(role)]) },
      });
      return policyStatements(s.template).filter(({ policy }) => policy in policies);
    };
    const actions = (fn: string) =>
      of(fn)
        .flatMap(({ statement }) => [statement.Action].flat())
        .sort();
    expect(actions(ids.webhook)).toEqual(
      [
        "logs:CreateLogStream",
        "logs:PutLogEvents",
        "secretsmanager:DescribeSecret",
        "secretsmanager:GetSecretValue",
        "sqs:GetQueueAttributes",
        "sqs:GetQueueUrl",
        "sqs:SendMessage",
      ].sort(),
    );
    const worker = actions(ids.worker);
    for (const action of RUN_TABLE_ACTIONS) expect(worker).toContain(action);
    expect(worker).toContain("sqs:ReceiveMessage");
    expect(worker).toContain("sqs:SendMessage");
    expect(worker.filter((a) => a.startsWith("dynamodb:Scan") || a === "*")).toEqual([]);
  });

  it("bundles the real webhook and worker entry points as the stack does", async () => {
    const options = tideBundling(FIXTURE_CONFIG);
    const outdir = mkdtempSync(join(tmpdir(), "tide-live-bundle-"));
    try {
      const result = await build({
        entryPoints: { webhook: LIVE_EVENTS_DEFAULTS.webhookEntry, events: LIVE_EVENTS_DEFAULTS.eventsEntry },
        bundle: true,
        platform: "node",
        format: "esm",
        target: options.target,
        external: options.externalModules,
        banner: { js: options.banner ?? "" },
        mainFields: options.mainFields,
        outdir,
        outExtension: { ".js": ".mjs" },
        logLevel: "silent",
      });
      expect(result.errors).toEqual([]);
      for (const name of ["webhook", "events"]) expect(existsSync(join(outdir, `${name}.mjs`))).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 120_000);

  it("passes cdk-nag's AWS Solutions checks", () => {
    const report = new AwsSolutionsChecks().validateScope(s.app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
      [],
    );
    expect(Annotations.fromStack(s.stack).findError("*", Match.anyValue())).toEqual([]);
  });
});
