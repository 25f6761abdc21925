import { Duration, RemovalPolicy, Stack, TimeZone } from "aws-cdk-lib";
import type { Alarm } from "aws-cdk-lib/aws-cloudwatch";
import { AttributeType, BillingMode, Table, TableEncryption } from "aws-cdk-lib/aws-dynamodb";
import { Policy, PolicyStatement, Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  Architecture,
  type CfnFunction,
  type FunctionUrl,
  FunctionUrlAuthType,
  type Function as LambdaFunction,
} from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import { Schedule, ScheduleExpression, ScheduleTargetInput } from "aws-cdk-lib/aws-scheduler";
import { LambdaInvoke } from "aws-cdk-lib/aws-scheduler-targets";
import { type ISecret, Secret } from "aws-cdk-lib/aws-secretsmanager";
import { Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { TideAlarms } from "./alarms.ts";
import { BUNDLED_CONFIG_PATH, BUNDLED_SOURCE_PATH, tideBundling, tideFunction } from "./bundling.ts";
import { memoryEnvironment } from "./heap.ts";
import { TideLiveEvents } from "./live-events.ts";
import { acknowledge } from "./nag.ts";
import { type ResolvedTideProps, resolveTideProps, sourceModuleOf, type TideProps } from "./props.ts";

/**
 * What the run store does with the run table: item reads and writes, queries by partition,
 * conditional and transactional writes. No Scan, streams or table management.
 */
export const RUN_TABLE_ACTIONS = [
  "dynamodb:GetItem",
  "dynamodb:BatchGetItem",
  "dynamodb:Query",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:BatchWriteItem",
  "dynamodb:ConditionCheckItem",
] as const;

/**
 * How often the schedule starts a resync: `rate(...)` exactly, `cron(...)` taken as daily at
 * worst; none for `at(...)` (one run) or a disabled schedule.
 */
export function runInterval(settings: ResolvedTideProps): { expectedRunInterval?: Duration } {
  if (!settings.scheduleEnabled) return {};
  const rate = /^rate\((\d+)\s+(minute|hour|day)s?\)$/.exec(settings.schedule);
  if (rate) {
    const n = Number(rate[1]);
    const unit = rate[2];
    return {
      expectedRunInterval:
        unit === "minute" ? Duration.minutes(n) : unit === "hour" ? Duration.hours(n) : Duration.days(n),
    };
  }
  return settings.schedule.startsWith("cron(") ? { expectedRunInterval: Duration.days(1) } : {};
}

/**
 * Everything one Tide integration needs in an AWS account: the fanout and ingest functions,
 * the ingest queue and its DLQ, the run table, the credentials secret, the resync schedule
 * and the alarms. Embed it in your own CDK app, or deploy `TideStack` as it is.
 *
 * @example
 * const tide = new Tide(stack, "GitHubToPort", {
 *   githubOrg: "acme",
 *   schedule: "cron(0 3 * * ? *)",
 *   scheduleTimeZone: "Europe/Paris",
 *   maxConcurrency: 4,
 * });
 * tide.fanout.grantInvoke(releaseRole); // let CI start a resync
 */
export class Tide extends Construct {
  /** The props as deployed, defaults applied. */
  readonly settings: ResolvedTideProps;
  readonly fanout: LambdaFunction;
  readonly ingest: LambdaFunction;
  readonly ingestQueue: Queue;
  readonly deadLetterQueue: Queue;
  readonly scheduleDeadLetterQueue: Queue;
  readonly runTable: Table;
  /** JSON: PORT_CLIENT_ID, PORT_CLIENT_SECRET, and GITHUB_TOKEN or the GITHUB_APP_* keys. */
  readonly secret: ISecret;
  readonly schedule: Schedule;
  /** With `incrementalSchedule`: starts incremental runs between the scheduled full ones. */
  readonly incrementalSchedule?: Schedule;
  /** Every 10 minutes: ends a run whose progress stalled, releasing its lock and telling Port. */
  readonly watchdog: Schedule;
  readonly alarms: readonly Alarm[];
  /** With `liveEvents`: the webhook endpoint, its queue and worker. */
  readonly liveEvents?: TideLiveEvents;
  /**
   * Port's changelog destination (its Resync button, a mapping edit): the fanout's Function URL.
   * Port posts to `<url>resync/<path>`, the path derived from Port's client secret in the
   * credentials secret (`resyncPathSecret` in `lib/integration/resync-path.ts`); any other path
   * gets 404. The fanout registers the whole URL with Port at every run start.
   */
  readonly resyncUrl: FunctionUrl;

  constructor(scope: Construct, id: string, props: TideProps = {}) {
    super(scope, id);
    // Checks every prop (and the payload guard) before anything is bundled.
    const settings = resolveTideProps(props);
    this.settings = settings;
    const sourceModule = sourceModuleOf(settings.source);
    const bundling = tideBundling(settings.configFile, sourceModule);

    this.secret =
      settings.secret ??
      new Secret(this, "Secret", {
        description: `Tide ${settings.integrationId}: Port and source credentials (JSON), set after deploy`,
        // An empty JSON object, never a value: the operator puts the credentials after deploy.
        secretObjectValue: {},
        removalPolicy: settings.removalPolicy,
      });

    this.runTable = new Table(this, "RunTable", {
      partitionKey: { name: "pk", type: AttributeType.STRING },
      sortKey: { name: "sk", type: AttributeType.STRING },
      timeToLiveAttribute: "expiresAt",
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      removalPolicy: settings.removalPolicy,
    });

    this.deadLetterQueue = this.queue("DeadLetterQueue", { retentionPeriod: Duration.days(14) });
    this.ingestQueue = this.queue("IngestQueue", {
      // AWS's rule for SQS-triggered functions: six function timeouts plus the batching window,
      // so that a message is not redelivered while an ingest still works on it.
      visibilityTimeout: Duration.seconds(
        6 * settings.ingestTimeout.toSeconds() + settings.maxBatchingWindow.toSeconds(),
      ),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: settings.maxReceiveCount },
    });
    this.scheduleDeadLetterQueue = this.queue("ScheduleDeadLetterQueue", {
      retentionPeriod: Duration.days(14),
    });

    const environment: Record<string, string> = {
      ...settings.environment,
      TIDE_QUEUE_URL: this.ingestQueue.queueUrl,
      TIDE_RUN_TABLE: this.runTable.tableName,
      TIDE_SECRET_ARN: this.secret.secretArn,
      TIDE_INTEGRATION_ID: settings.integrationId,
      TIDE_CONFIG_FILE: BUNDLED_CONFIG_PATH,
      TIDE_MAX_RECEIVE_COUNT: String(settings.maxReceiveCount),
      TIDE_MAX_MESSAGE_BYTES: String(settings.maxMessageBytes),
      ...(sourceModule === undefined
        ? { TIDE_SOURCE: settings.source }
        : { TIDE_SOURCE_MODULE: BUNDLED_SOURCE_PATH }),
      // Port's integration page shows the next resync; a run can end in either function.
      TIDE_SCHEDULE: settings.schedule,
      PORT_BASE_URL: settings.portBaseUrl,
      GITHUB_API_URL: settings.githubApiUrl,
      ...(settings.githubOrg === undefined ? {} : { GITHUB_ORG: settings.githubOrg }),
      POWERTOOLS_METRICS_NAMESPACE: settings.metricsNamespace,
    };
    const lambda = (name: "Fanout" | "Ingest", entry: string, memorySize: number, timeout: Duration) => {
      const logGroup = new LogGroup(this, `${name}Logs`, {
        retention: settings.logRetention,
        removalPolicy: RemovalPolicy.DESTROY,
      });
      // Our own role instead of AWSLambdaBasicExecutionRole: logs go to this log group only.
      const role = new Role(this, `${name}Role`, {
        assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
        description: `Tide ${settings.integrationId} ${name.toLowerCase()} function`,
      });
      logGroup.grantWrite(role);
      return tideFunction(this, name, {
        function: name === "Fanout" ? "fanout" : "ingest",
        entry,
        configFile: settings.configFile,
        architecture: Architecture.ARM_64,
        memorySize,
        timeout,
        role,
        logGroup,
        bundling,
        sourceModule,
        description: `Tide ${settings.integrationId}: ${name === "Fanout" ? "enumerates the source" : "maps and upserts to Port"}`,
        environment: {
          ...environment,
          ...memoryEnvironment(memorySize),
          POWERTOOLS_SERVICE_NAME: `tide-${name.toLowerCase()}`,
        },
      });
    };
    this.fanout = lambda("Fanout", settings.fanoutEntry, settings.fanoutMemorySize, settings.fanoutTimeout);
    this.ingest = lambda("Ingest", settings.ingestEntry, settings.ingestMemorySize, settings.ingestTimeout);

    this.ingestQueue.grantSendMessages(this.fanout);
    this.ingest.addEventSource(
      new SqsEventSource(this.ingestQueue, {
        batchSize: settings.batchSize,
        maxBatchingWindow: settings.maxBatchingWindow,
        maxConcurrency: settings.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );
    for (const fn of [this.fanout, this.ingest]) {
      this.runTable.grant(fn, ...RUN_TABLE_ACTIONS);
      this.secret.grantRead(fn);
    }
    // The fanout continues a long resync by invoking itself. A separate policy (not the role's
    // default policy, which the function depends on) avoids a function ↔ policy cycle.
    const selfInvoke = new Policy(this, "FanoutSelfInvoke", {
      statements: [
        new PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [this.fanout.functionArn] }),
      ],
    });
    // biome-ignore lint/style/noNonNullAssertion: we passed the role, so it is defined.
    selfInvoke.attachToRole(this.fanout.role!);
    // The ingest hands each run's reconciliation to a fanout invocation of its own.
    this.ingest.addEnvironment("TIDE_FANOUT_FUNCTION", this.fanout.functionName);
    const handOff = new Policy(this, "IngestStartsReconciliation", {
      statements: [
        new PolicyStatement({ actions: ["lambda:InvokeFunction"], resources: [this.fanout.functionArn] }),
      ],
    });
    // biome-ignore lint/style/noNonNullAssertion: we passed the role, so it is defined.
    handOff.attachToRole(this.ingest.role!);

    // Port's changelog webhook. The fanout serves it itself (it takes the run lock and starts a
    // run asynchronously) and tells Port its own URL (GetFunctionUrlConfig on itself): a
    // separate function would make the template circular (fanout → its URL → it → fanout).
    // Auth NONE: Port cannot sign AWS requests; the secret path (derived from Port's client
    // secret, so no second secret to keep) and Port's signature when it sends one are the check,
    // in code, before anything runs.
    this.resyncUrl = this.fanout.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    selfInvoke.addStatements(
      new PolicyStatement({ actions: ["lambda:GetFunctionUrlConfig"], resources: [this.fanout.functionArn] }),
    );

    if (settings.liveEvents) {
      this.liveEvents = new TideLiveEvents(this, "LiveEvents", {
        ...(typeof settings.liveEvents === "object" ? settings.liveEvents : {}),
        settings,
        runTable: this.runTable,
        secret: this.secret,
        bundling,
        environment,
        runTableActions: RUN_TABLE_ACTIONS,
      });
    }

    this.schedule = this.resyncSchedule(settings);
    if (settings.incrementalSchedule)
      this.incrementalSchedule = this.incremental(settings.incrementalSchedule, settings);
    this.watchdog = this.watchdogSchedule(settings);
    this.alarms = new TideAlarms(this, "Alarms", {
      fanout: this.fanout,
      ingest: this.ingest,
      ingestQueue: this.ingestQueue,
      deadLetterQueue: this.deadLetterQueue,
      scheduleDeadLetterQueue: this.scheduleDeadLetterQueue,
      oldestMessageAgeThreshold: settings.oldestMessageAgeAlarmThreshold,
      metricsNamespace: settings.metricsNamespace,
      integrationId: settings.integrationId,
      ...runInterval(settings),
      ...(settings.alarmTopic ? { topic: settings.alarmTopic } : {}),
      set: settings.alarms,
    }).alarms;
    this.acknowledgeFindings();
  }

  private queue(id: string, props: ConstructorParameters<typeof Queue>[2]): Queue {
    return new Queue(this, id, { ...props, encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true });
  }

  private watchdogSchedule(settings: ResolvedTideProps): Schedule {
    return new Schedule(this, "Watchdog", {
      description: `Tide ${settings.integrationId}: ends a resync whose progress stalled`,
      schedule: ScheduleExpression.rate(Duration.minutes(10)),
      // On even when the resync schedule is off: runs started by hand must end too.
      enabled: true,
      target: new LambdaInvoke(this.fanout, {
        role: this.node.findChild("ScheduleRole") as Role,
        input: ScheduleTargetInput.fromObject({ type: "watchdog" }),
        retryAttempts: 0,
        maxEventAge: Duration.minutes(5),
        deadLetterQueue: this.scheduleDeadLetterQueue,
      }),
    });
  }

  private resyncSchedule(settings: ResolvedTideProps): Schedule {
    const stack = Stack.of(this);
    const role = new Role(this, "ScheduleRole", {
      assumedBy: new ServicePrincipal("scheduler.amazonaws.com", {
        conditions: { StringEquals: { "aws:SourceAccount": stack.account } },
      }),
      description: `Tide ${settings.integrationId}: lets EventBridge Scheduler start a resync`,
    });
    return new Schedule(this, "Schedule", {
      description: `Tide ${settings.integrationId}: scheduled resync`,
      schedule: ScheduleExpression.expression(settings.schedule, TimeZone.of(settings.scheduleTimeZone)),
      enabled: settings.scheduleEnabled,
      target: new LambdaInvoke(this.fanout, {
        role,
        input: ScheduleTargetInput.fromObject({ trigger: "schedule" }),
        retryAttempts: settings.scheduleRetryAttempts,
        maxEventAge: settings.scheduleMaxEventAge,
        deadLetterQueue: this.scheduleDeadLetterQueue,
      }),
    });
  }

  /** Incremental runs: the fanout's start event says so; the run table's last completed run gives the cutoff. */
  private incremental(expression: string, settings: ResolvedTideProps): Schedule {
    return new Schedule(this, "IncrementalSchedule", {
      description: `Tide ${settings.integrationId}: scheduled incremental sync (changes only, no deletion)`,
      schedule: ScheduleExpression.expression(expression, TimeZone.of(settings.scheduleTimeZone)),
      enabled: settings.scheduleEnabled,
      target: new LambdaInvoke(this.fanout, {
        role: this.node.findChild("ScheduleRole") as Role,
        input: ScheduleTargetInput.fromObject({ trigger: "schedule", incremental: true }),
        retryAttempts: settings.scheduleRetryAttempts,
        maxEventAge: settings.scheduleMaxEventAge,
        deadLetterQueue: this.scheduleDeadLetterQueue,
      }),
    });
  }

  /** cdk-nag findings that are deliberate, each with the reason it is safe. */
  private acknowledgeFindings(): void {
    const fanoutArn = `<${Stack.of(this).getLogicalId(this.fanout.node.defaultChild as CfnFunction)}.Arn>`;
    acknowledge(this.node.findChild("ScheduleRole"), {
      id: `AwsSolutions-IAM5[Resource::${fanoutArn}:*]`,
      reason:
        "LambdaInvoke's grant also covers the fanout's versions and aliases (ARN:*); the resource is " +
        "still this one function, and the schedule invokes its unqualified ARN.",
    });
    if (this.secret instanceof Secret) {
      acknowledge(this.secret, {
        id: "AwsSolutions-SMG4",
        reason:
          "The secret holds third-party credentials (Port client secret, GitHub token or App key) that " +
          "are issued and rotated in Port and GitHub; Secrets Manager cannot rotate them.",
      });
    }
    acknowledge(this.scheduleDeadLetterQueue, {
      id: "AwsSolutions-SQS3",
      reason: "This queue is itself a dead-letter queue: the schedule's, for triggers it could not deliver.",
    });
  }
}
