import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { App, Duration, RemovalPolicy } from "aws-cdk-lib";
import { RetentionDays } from "aws-cdk-lib/aws-logs";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TIDE_CONTEXT_KEYS, tideSettingsFromContext } from "../../infra/context.ts";
import { TidePropError } from "../../infra/errors.ts";
import { FIXTURE_CONFIG, policyStatements, type Synthesized, synthTide } from "./synth.ts";

const scratch = mkdtempSync(join(tmpdir(), "tide-infra-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const settings = (context: Record<string, unknown>) =>
  tideSettingsFromContext(new App({ outdir: scratch, context }).node);

describe("context values", () => {
  it("default to the Tide stack with every prop unset", () => {
    const { stackName, tide, ...rest } = settings({});
    expect(stackName).toBe("Tide");
    expect(rest).toEqual({});
    expect(Object.values(tide ?? {}).filter((value) => value !== undefined)).toEqual([]);
  });

  it("turn `-c key=value` strings into typed props", () => {
    const parsed = settings({
      stackName: "TideAcme",
      configFile: "infra/test-fixtures/port-app-config.yml",
      schedule: "cron(0 3 * * ? *)",
      scheduleTimeZone: "Europe/Paris",
      scheduleEnabled: "false",
      batchSize: "20",
      maxBatchingWindowSeconds: "30",
      maxConcurrency: 4,
      ingestTimeoutSeconds: "120",
      logRetentionDays: "7",
      removalPolicy: "destroy",
      githubOrg: "acme",
      secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tide-AbCdEf",
      alarms: "essential",
    });
    expect(parsed).toMatchObject({
      stackName: "TideAcme",
      secretArn: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tide-AbCdEf",
      tide: {
        configFile: resolve("infra/test-fixtures/port-app-config.yml"),
        schedule: "cron(0 3 * * ? *)",
        scheduleTimeZone: "Europe/Paris",
        scheduleEnabled: false,
        batchSize: 20,
        maxConcurrency: 4,
        logRetention: RetentionDays.ONE_WEEK,
        removalPolicy: RemovalPolicy.DESTROY,
        githubOrg: "acme",
        alarms: "essential",
      },
    });
    expect(parsed.tide?.maxBatchingWindow?.toSeconds()).toBe(30);
    expect(parsed.tide?.ingestTimeout?.toSeconds()).toBe(120);
  });

  it.each(TIDE_CONTEXT_KEYS)("read %s (an object there is refused, naming the key)", (key) => {
    expect(() => settings({ [key]: { nested: true } })).toThrow(`-c ${key}=`);
  });

  it.each([
    ["batchSize", "ten"],
    ["scheduleEnabled", "yes"],
    ["logRetentionDays", "42"],
    ["removalPolicy", "keep"],
    ["githubOrg", 42],
  ])("reject %s=%s, naming the key", (key, value) => {
    const error = (() => {
      try {
        settings({ [key]: value });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(TidePropError);
    expect((error as TidePropError).prop).toBe(`-c ${key}`);
  });
});

describe("tuned stacks", () => {
  const secretArn = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tide-creds-AbCdEf";
  const alarmTopicArn = "arn:aws:sns:eu-west-1:123456789012:ops";
  let tuned: Synthesized;
  // Template-only: no bundling, so these variants cost milliseconds.
  beforeAll(() => {
    tuned = synthTide(
      {
        secretArn,
        alarmTopicArn,
        tide: {
          configFile: FIXTURE_CONFIG,
          schedule: "cron(0 3 * * ? *)",
          scheduleTimeZone: "Europe/Paris",
          scheduleEnabled: false,
          batchSize: 20,
          maxBatchingWindow: Duration.seconds(30),
          maxConcurrency: 4,
          maxReceiveCount: 3,
          ingestTimeout: Duration.minutes(2),
          logRetention: RetentionDays.ONE_WEEK,
          removalPolicy: RemovalPolicy.DESTROY,
          githubOrg: "acme",
          integrationId: "github-acme",
        },
      },
      { bundle: false },
    );
  });

  afterAll(() => rmSync(tuned.outdir, { recursive: true, force: true }));

  it("carry the schedule, batching and retry settings into the template", () => {
    tuned.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "cron(0 3 * * ? *)",
      ScheduleExpressionTimezone: "Europe/Paris",
      State: "DISABLED",
    });
    tuned.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      BatchSize: 20,
      MaximumBatchingWindowInSeconds: 30,
      ScalingConfig: { MaximumConcurrency: 4 },
    });
    tuned.template.hasResourceProperties("AWS::SQS::Queue", {
      VisibilityTimeout: 6 * 120 + 30,
      RedrivePolicy: { maxReceiveCount: 3 },
    });
    tuned.template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 7 });
    tuned.template.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Delete" });
    tuned.template.allResourcesProperties("AWS::Lambda::Function", {
      Environment: {
        Variables: { GITHUB_ORG: "acme", TIDE_INTEGRATION_ID: "github-acme", TIDE_SECRET_ARN: secretArn },
      },
    });
  });

  it("use an existing secret by ARN instead of creating one, and grant exactly that ARN", () => {
    // No secret at all in the stack: the resync webhook's path is derived from the credentials.
    tuned.template.resourceCountIs("AWS::SecretsManager::Secret", 0);
    const secretStatements = policyStatements(tuned.template).filter(({ statement }) =>
      [statement.Action].flat().some((action) => action.startsWith("secretsmanager:")),
    );
    expect(secretStatements).toHaveLength(2);
    for (const { statement } of secretStatements) expect(statement.Resource).toBe(secretArn);
    expect(tuned.template.toJSON().Outputs.SecretArn.Value).toBe(secretArn);
  });

  it("send every alarm and its recovery to the topic", () => {
    const alarms = Object.values(tuned.template.findResources("AWS::CloudWatch::Alarm"));
    // 7 on the machinery, 2 on run outcomes; no "no completed run" with the schedule disabled.
    expect(alarms).toHaveLength(9);
    for (const alarm of alarms) {
      expect(alarm.Properties).toMatchObject({ AlarmActions: [alarmTopicArn], OKActions: [alarmTopicArn] });
    }
  });

  it("still pass cdk-nag", () => {
    expect(new AwsSolutionsChecks().validateScope(tuned.app).violations).toEqual([]);
  });
});
