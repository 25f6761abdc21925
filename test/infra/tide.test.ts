import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Annotations, Match } from "aws-cdk-lib/assertions";
import { AwsSolutionsChecks } from "cdk-nag";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { jqWasmSource } from "../../infra/bundling.ts";
import { RUN_TABLE_ACTIONS } from "../../infra/tide.ts";
import { TIDE_STACK_OUTPUTS } from "../../lib/stack-outputs.ts";
import { FIXTURE_CONFIG, getAtt, policyStatements, ref, type Synthesized, synthTide } from "./synth.ts";

// One real synth (esbuild included) for the whole file: bundling is the slow part.
let s: Synthesized;
let ids: Record<
  "fanout" | "ingest" | "queue" | "dlq" | "scheduleDlq" | "table" | "secret" | "fanoutLogs" | "ingestLogs",
  string
>;
beforeAll(() => {
  s = synthTide();
  const { tide } = s.stack;
  ids = {
    fanout: s.logicalId(tide.fanout),
    ingest: s.logicalId(tide.ingest),
    queue: s.logicalId(tide.ingestQueue),
    dlq: s.logicalId(tide.deadLetterQueue),
    scheduleDlq: s.logicalId(tide.scheduleDeadLetterQueue),
    table: s.logicalId(tide.runTable),
    secret: s.logicalId(tide.secret),
    fanoutLogs: s.logicalId(tide.node.findChild("FanoutLogs")),
    ingestLogs: s.logicalId(tide.node.findChild("IngestLogs")),
  };
});
afterAll(() => rmSync(s.outdir, { recursive: true, force: true }));

const functionProps = (logicalId: string) =>
  s.template.findResources("AWS::Lambda::Function")[logicalId]?.Properties as Record<string, unknown>;

describe("functions", () => {
  it("run nodejs24.x on arm64 from an ESM bundle, with the configured memory and timeouts", () => {
    s.template.resourceCountIs("AWS::Lambda::Function", 2);
    for (const [id, memory, timeout] of [
      [ids.fanout, 1024, 900],
      [ids.ingest, 1024, 300],
    ] as const) {
      expect(functionProps(id)).toMatchObject({
        Runtime: "nodejs24.x",
        Architectures: ["arm64"],
        Handler: "index.handler",
        MemorySize: memory,
        Timeout: timeout,
        LoggingConfig: { LogGroup: ref(id === ids.fanout ? ids.fanoutLogs : ids.ingestLogs) },
      });
    }
  });

  it("get their settings from the environment, and no credentials", () => {
    for (const [id, service] of [
      [ids.fanout, "tide-fanout"],
      [ids.ingest, "tide-ingest"],
    ] as const) {
      const variables = (functionProps(id).Environment as { Variables: Record<string, unknown> }).Variables;
      expect(variables).toEqual({
        TIDE_QUEUE_URL: ref(ids.queue),
        TIDE_RUN_TABLE: ref(ids.table),
        TIDE_SECRET_ARN: ref(ids.secret),
        TIDE_INTEGRATION_ID: "tide-github",
        TIDE_CONFIG_FILE: "/var/task/port-app-config.yml",
        TIDE_MAX_RECEIVE_COUNT: "5",
        TIDE_MAX_MESSAGE_BYTES: String(256 * 1024),
        TIDE_SOURCE: "github",
        PORT_BASE_URL: "https://api.port.io",
        GITHUB_API_URL: "https://api.github.com",
        POWERTOOLS_SERVICE_NAME: service,
        POWERTOOLS_METRICS_NAMESPACE: "Tide",
        // V8's heap for 1024 MB (infra/heap.ts), kept against the runtime's own by the wrapper.
        NODE_OPTIONS: "--enable-source-maps --max-old-space-size=256 --max-semi-space-size=2",
        AWS_LAMBDA_EXEC_WRAPPER: "/var/task/heap-wrapper.sh",
        MALLOC_ARENA_MAX: "2",
        // The ingest hands reconciliation to a fanout invocation of its own.
        ...(id === ids.ingest ? { TIDE_FANOUT_FUNCTION: ref(ids.fanout) } : {}),
        TIDE_SCHEDULE: "rate(6 hours)",
        // The fanout also serves Port's resync webhook, with a path derived from the credentials:
        // no variable of its own.
      });
    }
    const template = JSON.stringify(s.template.toJSON());
    expect(template).not.toMatch(/PORT_CLIENT_SECRET|PORT_CLIENT_ID|GITHUB_TOKEN|GITHUB_APP_PRIVATE_KEY/);
  });

  const assetOf = (id: string) =>
    join(s.outdir, `asset.${(functionProps(id).Code as { S3Key: string }).S3Key.replace(/\.zip$/, "")}`);

  it("ship a minified ESM bundle with its source map, the mapping, jq.wasm and the heap wrapper beside it", () => {
    for (const id of [ids.fanout, ids.ingest]) {
      const asset = assetOf(id);
      expect(readdirSync(asset).sort()).toEqual([
        "build",
        "heap-wrapper.sh",
        "index.mjs",
        "index.mjs.map",
        "port-app-config.yml",
      ]);
      const bundle = readFileSync(join(asset, "index.mjs"), "utf8");
      expect(bundle.startsWith("import { createRequire as topLevelCreateRequire }")).toBe(true);
      expect(bundle).toMatch(/export\s*\{[^}]*as handler[^}]*\}/);
      expect(bundle).toContain("//# sourceMappingURL=index.mjs.map");
      expect(readFileSync(join(asset, "port-app-config.yml"), "utf8")).toBe(
        readFileSync(FIXTURE_CONFIG, "utf8"),
      );
      expect(readFileSync(join(asset, "build", "jq.wasm")).equals(readFileSync(jqWasmSource()))).toBe(true);
      // Lambda's runtime refuses a wrapper it cannot execute.
      expect(statSync(join(asset, "heap-wrapper.sh")).mode & 0o111).toBe(0o111);
    }
  });

  // The fanout fixture imports every dependency the real functions bundle (powertools, middy,
  // jq-wasm, undici, yaml, zod): run its bundle the way Lambda does, with no node_modules around.
  it("run as ESM outside the repository: CJS deps load, jq finds its wasm, the mapping is there", async () => {
    const packageDir = mkdtempSync(join(tmpdir(), "tide-var-task-"));
    cpSync(assetOf(ids.fanout), packageDir, { recursive: true });
    const script =
      'const { handler } = await import("./index.mjs");' +
      "process.stdout.write(JSON.stringify(await handler({}, {})));";
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ["--enable-source-maps", "--input-type=module", "-e", script],
      { cwd: packageDir, env: { PATH: process.env.PATH ?? "" } },
    );
    rmSync(packageDir, { recursive: true, force: true });
    expect(JSON.parse(stdout)).toEqual({ kinds: ["repository"], mapped: ["tide"] });
  });
});

describe("ingest queue", () => {
  it("is encrypted, refuses plain HTTP and hands messages to a DLQ after maxReceiveCount", () => {
    s.template.hasResourceProperties("AWS::SQS::Queue", {
      SqsManagedSseEnabled: true,
      VisibilityTimeout: 6 * 300 + 5,
      RedrivePolicy: { deadLetterTargetArn: getAtt(ids.dlq), maxReceiveCount: 5 },
    });
    s.template.resourceCountIs("AWS::SQS::Queue", 3);
    for (const queue of [ids.queue, ids.dlq, ids.scheduleDlq]) {
      expect(s.template.findResources("AWS::SQS::Queue")[queue]?.Properties).toMatchObject({
        SqsManagedSseEnabled: true,
      });
      s.template.hasResourceProperties("AWS::SQS::QueuePolicy", {
        Queues: [ref(queue)],
        PolicyDocument: {
          Statement: [
            Match.objectLike({
              Effect: "Deny",
              Action: "sqs:*",
              Condition: { Bool: { "aws:SecureTransport": "false" } },
            }),
          ],
        },
      });
    }
  });

  it("feeds the ingest in batches, at a bounded concurrency, with partial batch failures", () => {
    s.template.resourceCountIs("AWS::Lambda::EventSourceMapping", 1);
    s.template.hasResourceProperties("AWS::Lambda::EventSourceMapping", {
      EventSourceArn: getAtt(ids.queue),
      FunctionName: ref(ids.ingest),
      BatchSize: 10,
      MaximumBatchingWindowInSeconds: 5,
      ScalingConfig: { MaximumConcurrency: 2 },
      FunctionResponseTypes: ["ReportBatchItemFailures"],
    });
  });
});

describe("run table and secret", () => {
  it("is on demand, encrypted, with TTL and point-in-time recovery", () => {
    s.template.hasResourceProperties("AWS::DynamoDB::Table", {
      KeySchema: [
        { AttributeName: "pk", KeyType: "HASH" },
        { AttributeName: "sk", KeyType: "RANGE" },
      ],
      AttributeDefinitions: [
        { AttributeName: "pk", AttributeType: "S" },
        { AttributeName: "sk", AttributeType: "S" },
      ],
      BillingMode: "PAY_PER_REQUEST",
      SSESpecification: { SSEEnabled: true },
      TimeToLiveSpecification: { AttributeName: "expiresAt", Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    });
    s.template.hasResource("AWS::DynamoDB::Table", { DeletionPolicy: "Retain" });
  });

  it("creates exactly one secret, empty, for the operator to fill in", () => {
    const secrets = s.template.findResources("AWS::SecretsManager::Secret");
    expect(Object.keys(secrets)).toEqual([ids.secret]);
    expect(secrets[ids.secret]?.Properties).toMatchObject({ SecretString: "{}" });
  });
});

describe("Port's resync webhook", () => {
  it("is the fanout's Function URL, without IAM auth (the secret path is the check)", () => {
    s.template.resourceCountIs("AWS::Lambda::Url", 1);
    s.template.hasResourceProperties("AWS::Lambda::Url", {
      AuthType: "NONE",
      TargetFunctionArn: getAtt(ids.fanout),
    });
    // Anyone may call the URL; the function answers 404 unless the path ends with the secret.
    s.template.hasResourceProperties("AWS::Lambda::Permission", {
      Action: "lambda:InvokeFunctionUrl",
      FunctionName: getAtt(ids.fanout),
      FunctionUrlAuthType: "NONE",
    });
  });

  it("keeps no path secret of its own: nothing generated, nothing in the environment or the template", () => {
    const secrets = Object.values(s.template.findResources("AWS::SecretsManager::Secret"));
    expect(secrets.filter((secret) => secret.Properties?.GenerateSecretString)).toEqual([]);
    const template = JSON.stringify(s.template.toJSON());
    expect(template).not.toMatch(/ResyncPathSecret|TIDE_CHANGELOG_SECRET_ARN|TIDE_RESYNC_PATH_SECRET/);
  });
});

describe("schedule", () => {
  it("starts the fanout with a schedule trigger, retries and a DLQ", () => {
    s.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(6 hours)",
      ScheduleExpressionTimezone: "UTC",
      State: "ENABLED",
      FlexibleTimeWindow: { Mode: "OFF" },
      Target: {
        Arn: getAtt(ids.fanout),
        Input: JSON.stringify({ trigger: "schedule" }),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: getAtt(ids.scheduleDlq) },
      },
    });
  });
});

describe("incremental schedule", () => {
  it("is off by default: one resync schedule and the watchdog", () => {
    s.template.resourceCountIs("AWS::Scheduler::Schedule", 2);
    expect(s.stack.tide.incrementalSchedule).toBeUndefined();
  });

  it("with incrementalSchedule, starts incremental runs through the same role and DLQ; cdk-nag stays clean", () => {
    const hourly = synthTide({ tide: { incrementalSchedule: "rate(1 hour)" } }, { bundle: false });
    hourly.template.resourceCountIs("AWS::Scheduler::Schedule", 3);
    const fanout = hourly.logicalId(hourly.stack.tide.fanout);
    const role = hourly.logicalId(hourly.stack.tide.node.findChild("ScheduleRole"));
    hourly.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(1 hour)",
      ScheduleExpressionTimezone: "UTC",
      State: "ENABLED",
      Target: {
        Arn: getAtt(fanout),
        RoleArn: getAtt(role),
        Input: JSON.stringify({ trigger: "schedule", incremental: true }),
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: getAtt(hourly.logicalId(hourly.stack.tide.scheduleDeadLetterQueue)) },
      },
    });
    const report = new AwsSolutionsChecks().validateScope(hourly.app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
      [],
    );
    rmSync(hourly.outdir, { recursive: true, force: true });
    expect(() => synthTide({ tide: { incrementalSchedule: "hourly" } }, { bundle: false })).toThrow(
      /incrementalSchedule.*must be rate\(\.\.\.\), cron\(\.\.\.\) or at\(\.\.\.\)/,
    );
  });
});

describe("observability", () => {
  it("alarms on DLQs, queue age, and each function's errors and throttles", () => {
    const alarms = Object.values(s.template.findResources("AWS::CloudWatch::Alarm")).map(
      (alarm) => alarm.Properties as { MetricName: string; Namespace: string; Dimensions: unknown[] },
    );
    // The run outcome alarms (Tide's own metrics) are checked in alarms.test.ts.
    const seen = alarms
      .filter((a) => a.Namespace?.startsWith("AWS/"))
      .map((a) => `${a.Namespace} ${a.MetricName} ${JSON.stringify(a.Dimensions)}`)
      .sort();
    const queue = (id: string) => JSON.stringify([{ Name: "QueueName", Value: getAtt(id, "QueueName") }]);
    const fn = (id: string) => JSON.stringify([{ Name: "FunctionName", Value: ref(id) }]);
    expect(seen).toEqual(
      [
        `AWS/SQS ApproximateNumberOfMessagesVisible ${queue(ids.dlq)}`,
        `AWS/SQS ApproximateNumberOfMessagesVisible ${queue(ids.scheduleDlq)}`,
        `AWS/SQS ApproximateAgeOfOldestMessage ${queue(ids.queue)}`,
        `AWS/Lambda Errors ${fn(ids.fanout)}`,
        `AWS/Lambda Throttles ${fn(ids.fanout)}`,
        `AWS/Lambda Errors ${fn(ids.ingest)}`,
        `AWS/Lambda Throttles ${fn(ids.ingest)}`,
      ].sort(),
    );
    s.template.hasResourceProperties("AWS::CloudWatch::Alarm", {
      MetricName: "ApproximateAgeOfOldestMessage",
      Threshold: 3600,
      ComparisonOperator: "GreaterThanOrEqualToThreshold",
      TreatMissingData: "notBreaching",
    });
  });

  it("keeps each function's logs for a month", () => {
    s.template.resourceCountIs("AWS::Logs::LogGroup", 2);
    s.template.allResourcesProperties("AWS::Logs::LogGroup", { RetentionInDays: 30 });
  });
});

describe("IAM", () => {
  const statementsOf = (roleId: string) => {
    const policies = s.template.findResources("AWS::IAM::Policy", {
      Properties: { Roles: [ref(roleId)] },
    });
    return policyStatements(s.template)
      .filter(({ policy }) => policy in policies)
      .map(({ statement }) => statement);
  };
  const role = (fn: string) => (functionProps(fn).Role as { "Fn::GetAtt": [string] })["Fn::GetAtt"][0];
  const tableActions = [...RUN_TABLE_ACTIONS];

  it("lets the fanout log, send to its queue, use its table, read the credentials secret, invoke itself and read its own URL only", () => {
    expect(statementsOf(role(ids.fanout))).toEqual([
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: getAtt(ids.fanoutLogs),
      },
      {
        Effect: "Allow",
        Action: ["sqs:SendMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl"],
        Resource: getAtt(ids.queue),
      },
      { Effect: "Allow", Action: tableActions, Resource: [getAtt(ids.table)] },
      {
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: ref(ids.secret),
      },
      { Effect: "Allow", Action: "lambda:InvokeFunction", Resource: getAtt(ids.fanout) },
      { Effect: "Allow", Action: "lambda:GetFunctionUrlConfig", Resource: getAtt(ids.fanout) },
    ]);
  });

  it("lets the ingest log, consume its queue, use its table, read its secret and start the fanout's reconciliation only", () => {
    expect(statementsOf(role(ids.ingest))).toEqual([
      {
        Effect: "Allow",
        Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
        Resource: getAtt(ids.ingestLogs),
      },
      {
        Effect: "Allow",
        Action: [
          "sqs:ReceiveMessage",
          "sqs:ChangeMessageVisibility",
          "sqs:GetQueueUrl",
          "sqs:DeleteMessage",
          "sqs:GetQueueAttributes",
        ],
        Resource: getAtt(ids.queue),
      },
      { Effect: "Allow", Action: tableActions, Resource: [getAtt(ids.table)] },
      {
        Effect: "Allow",
        Action: ["secretsmanager:GetSecretValue", "secretsmanager:DescribeSecret"],
        Resource: ref(ids.secret),
      },
      { Effect: "Allow", Action: "lambda:InvokeFunction", Resource: getAtt(ids.fanout) },
    ]);
  });

  it("has a watchdog schedule that sends the fanout {type: watchdog} every 10 minutes, always on", () => {
    s.template.hasResourceProperties("AWS::Scheduler::Schedule", {
      ScheduleExpression: "rate(10 minutes)",
      State: "ENABLED",
      Target: { Input: JSON.stringify({ type: "watchdog" }) },
    });
  });

  it("lets the scheduler invoke the fanout and write to its DLQ, from this account only", () => {
    const roleId = s.logicalId(s.stack.tide.node.findChild("ScheduleRole"));
    s.template.hasResourceProperties("AWS::Scheduler::Schedule", { Target: { RoleArn: getAtt(roleId) } });
    expect(statementsOf(roleId)).toEqual([
      {
        Effect: "Allow",
        Action: "lambda:InvokeFunction",
        Resource: [getAtt(ids.fanout), { "Fn::Join": ["", [getAtt(ids.fanout), ":*"]] }],
      },
      { Effect: "Allow", Action: "sqs:SendMessage", Resource: getAtt(ids.scheduleDlq) },
    ]);
    expect(s.template.findResources("AWS::IAM::Role")[roleId]?.Properties).toMatchObject({
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Principal: { Service: "scheduler.amazonaws.com" },
            Condition: { StringEquals: { "aws:SourceAccount": ref("AWS::AccountId") } },
          },
        ],
      },
    });
  });

  it("uses no managed policies and no wildcard actions or resources", () => {
    for (const role of Object.values(s.template.findResources("AWS::IAM::Role"))) {
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
    }
    for (const { statement } of policyStatements(s.template)) {
      expect([statement.Action].flat().filter((action) => action.includes("*"))).toEqual([]);
      expect([statement.Resource].flat()).not.toContain("*");
    }
  });
});

describe("stack", () => {
  it("outputs what `tide resync` and `tide status` look up, under stable keys", () => {
    const outputs = s.template.toJSON().Outputs as Record<string, { Value: unknown; Export?: unknown }>;
    expect(Object.keys(outputs).sort()).toEqual(Object.values(TIDE_STACK_OUTPUTS).sort());
    expect(outputs.FanoutFunctionName?.Value).toEqual(ref(ids.fanout));
    expect(outputs.IngestFunctionName?.Value).toEqual(ref(ids.ingest));
    expect(outputs.IngestQueueUrl?.Value).toEqual(ref(ids.queue));
    expect(outputs.DeadLetterQueueUrl?.Value).toEqual(ref(ids.dlq));
    expect(outputs.ScheduleDeadLetterQueueUrl?.Value).toEqual(ref(ids.scheduleDlq));
    expect(outputs.RunTableName?.Value).toEqual(ref(ids.table));
    expect(outputs.SecretArn?.Value).toEqual(ref(ids.secret));
    expect(outputs.IntegrationId?.Value).toBe("tide-github");
    expect(outputs.ResyncUrl?.Value).toEqual({
      "Fn::GetAtt": [s.logicalId(s.stack.tide.resyncUrl), "FunctionUrl"],
    });
    expect(outputs.ResyncPathSecretArn).toBeUndefined();
    expect(Object.values(outputs).filter((output) => output.Export)).toEqual([]);
  });

  it("passes cdk-nag's AWS Solutions checks with nothing left unacknowledged", () => {
    const report = new AwsSolutionsChecks().validateScope(s.app);
    expect(report.violations.map((v) => `${v.ruleName} ${v.violatingResources[0]?.constructPath}`)).toEqual(
      [],
    );
    expect(Annotations.fromStack(s.stack).findError("*", Match.anyValue())).toEqual([]);
  });
});
