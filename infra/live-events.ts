import { CfnOutput, Duration, RemovalPolicy } from "aws-cdk-lib";
import { Alarm, ComparisonOperator, TreatMissingData } from "aws-cdk-lib/aws-cloudwatch";
import { SnsAction } from "aws-cdk-lib/aws-cloudwatch-actions";
import type { ITable } from "aws-cdk-lib/aws-dynamodb";
import { Role, ServicePrincipal } from "aws-cdk-lib/aws-iam";
import {
  Architecture,
  type FunctionUrl,
  FunctionUrlAuthType,
  type Function as LambdaFunction,
} from "aws-cdk-lib/aws-lambda";
import { SqsEventSource } from "aws-cdk-lib/aws-lambda-event-sources";
import type { BundlingOptions } from "aws-cdk-lib/aws-lambda-nodejs";
import { LogGroup } from "aws-cdk-lib/aws-logs";
import type { ISecret } from "aws-cdk-lib/aws-secretsmanager";
import { DeduplicationScope, FifoThroughputLimit, Queue, QueueEncryption } from "aws-cdk-lib/aws-sqs";
import { Construct } from "constructs";
import { defaultEntry, tideFunction } from "./bundling.ts";
import { memoryEnvironment } from "./heap.ts";
import { acknowledge } from "./nag.ts";
import type { ResolvedTideProps } from "./props.ts";

/** Live events' own settings; every one has a default. */
export interface LiveEventsOptions {
  /** Entry of the webhook function. @default functions/webhook.ts of this package */
  readonly webhookEntry?: string;
  /** Entry of the events worker. @default functions/events.ts of this package */
  readonly eventsEntry?: string;
  /** Worker invocations at once (each takes up to 10 events of distinct entities in order). @default 2 */
  readonly maxConcurrency?: number;
  /** Deliveries of an event that keeps failing for a transient reason before the DLQ. @default 5 */
  readonly maxReceiveCount?: number;
}

export interface TideLiveEventsProps extends LiveEventsOptions {
  readonly settings: ResolvedTideProps;
  readonly runTable: ITable;
  readonly secret: ISecret;
  readonly bundling: BundlingOptions;
  /** The environment every Tide function gets (run table, secret, config, Port and GitHub URLs). */
  readonly environment: Record<string, string>;
  /** Actions the worker may take on the run table (deliveries, versions, content hashes). */
  readonly runTableActions: readonly string[];
}

export const LIVE_EVENTS_DEFAULTS = {
  webhookEntry: defaultEntry("webhook"),
  eventsEntry: defaultEntry("events"),
  maxConcurrency: 2,
  maxReceiveCount: 5,
} as const;

const WORKER_TIMEOUT = Duration.seconds(60);

/**
 * GitHub webhooks applied to Port as they arrive: a Function URL (auth NONE: each delivery's
 * signature is checked in code with `GITHUB_WEBHOOK_SECRET` from the secret) that queues each
 * event on an SQS FIFO queue grouped by entity, a worker that maps and writes it, and a FIFO
 * dead-letter queue with an alarm. Nothing runs between events.
 *
 * @example
 * new Tide(stack, "GitHubToPort", { githubOrg: "acme", liveEvents: true });
 * // then: tide setup --webhook-url <WebhookUrl output>
 */
export class TideLiveEvents extends Construct {
  readonly webhook: LambdaFunction;
  readonly worker: LambdaFunction;
  readonly functionUrl: FunctionUrl;
  /** Where GitHub posts: the Function URL and `/webhooks/github`. */
  readonly webhookUrl: string;
  readonly queue: Queue;
  readonly deadLetterQueue: Queue;
  readonly alarm: Alarm;

  constructor(scope: Construct, id: string, props: TideLiveEventsProps) {
    super(scope, id);
    const options = { ...LIVE_EVENTS_DEFAULTS, ...definedOf(props) };
    const { settings } = props;

    const fifo = { fifo: true, encryption: QueueEncryption.SQS_MANAGED, enforceSSL: true } as const;
    this.deadLetterQueue = new Queue(this, "DeadLetterQueue", {
      ...fifo,
      retentionPeriod: Duration.days(14),
    });
    this.queue = new Queue(this, "Queue", {
      ...fifo,
      // Deduplicated by X-GitHub-Delivery; throughput per entity, so many entities flow at once.
      contentBasedDeduplication: false,
      deduplicationScope: DeduplicationScope.MESSAGE_GROUP,
      fifoThroughputLimit: FifoThroughputLimit.PER_MESSAGE_GROUP_ID,
      visibilityTimeout: Duration.seconds(6 * WORKER_TIMEOUT.toSeconds()),
      // One more than the worker's count: on its last receive the worker itself moves a failing
      // event to the DLQ with its reason; SQS's redrive only catches a worker that crashed.
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: options.maxReceiveCount + 1 },
    });

    this.webhook = this.lambda("Webhook", options.webhookEntry, 512, Duration.seconds(10), props, {
      TIDE_SECRET_ARN: props.secret.secretArn,
      TIDE_EVENTS_QUEUE_URL: this.queue.queueUrl,
    });
    this.worker = this.lambda("Worker", options.eventsEntry, 1024, WORKER_TIMEOUT, props, {
      ...props.environment,
      TIDE_EVENTS_DLQ_URL: this.deadLetterQueue.queueUrl,
      TIDE_MAX_RECEIVE_COUNT: String(options.maxReceiveCount),
    });
    this.functionUrl = this.webhook.addFunctionUrl({ authType: FunctionUrlAuthType.NONE });
    this.webhookUrl = `${this.functionUrl.url}webhooks/github`;

    this.queue.grantSendMessages(this.webhook);
    props.secret.grantRead(this.webhook);
    props.secret.grantRead(this.worker);
    props.runTable.grant(this.worker, ...props.runTableActions);
    this.deadLetterQueue.grantSendMessages(this.worker);
    this.worker.addEventSource(
      new SqsEventSource(this.queue, {
        batchSize: 10,
        maxConcurrency: options.maxConcurrency,
        reportBatchItemFailures: true,
      }),
    );

    this.alarm = new Alarm(this, "DeadLetterQueueNotEmpty", {
      alarmDescription: `Tide ${settings.integrationId}: live events failed and wait in the live-events DLQ (reason in each message's attributes)`,
      metric: this.deadLetterQueue.metricApproximateNumberOfMessagesVisible({
        period: Duration.minutes(5),
        statistic: "Maximum",
      }),
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (settings.alarmTopic) {
      this.alarm.addAlarmAction(new SnsAction(settings.alarmTopic));
      this.alarm.addOkAction(new SnsAction(settings.alarmTopic));
    }
    new CfnOutput(this, "WebhookUrl", {
      value: this.webhookUrl,
      description: "GitHub webhook endpoint: tide setup --webhook-url <this>",
    });

    acknowledge(this.deadLetterQueue, {
      id: "AwsSolutions-SQS3",
      reason: "This queue is itself a dead-letter queue: live events that failed, each with its reason.",
    });
  }

  private lambda(
    name: "Webhook" | "Worker",
    entry: string,
    memorySize: number,
    timeout: Duration,
    props: TideLiveEventsProps,
    environment: Record<string, string>,
  ): LambdaFunction {
    const { settings } = props;
    const logGroup = new LogGroup(this, `${name}Logs`, {
      retention: settings.logRetention,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const role = new Role(this, `${name}Role`, {
      assumedBy: new ServicePrincipal("lambda.amazonaws.com"),
      description: `Tide ${settings.integrationId} live-events ${name.toLowerCase()} function`,
    });
    logGroup.grantWrite(role);
    return tideFunction(this, name, {
      function: name === "Webhook" ? "webhook" : "events",
      entry,
      configFile: props.settings.configFile,
      architecture: Architecture.ARM_64,
      memorySize,
      timeout,
      role,
      logGroup,
      bundling: props.bundling,
      description:
        name === "Webhook"
          ? `Tide ${settings.integrationId}: verifies and queues GitHub webhooks`
          : `Tide ${settings.integrationId}: applies GitHub events to Port`,
      environment: {
        ...environment,
        POWERTOOLS_SERVICE_NAME: `tide-live-${name.toLowerCase()}`,
        ...memoryEnvironment(memorySize),
      },
    });
  }
}

function definedOf(props: LiveEventsOptions): LiveEventsOptions {
  const { webhookEntry, eventsEntry, maxConcurrency, maxReceiveCount } = props;
  return Object.fromEntries(
    Object.entries({ webhookEntry, eventsEntry, maxConcurrency, maxReceiveCount }).filter(
      ([, v]) => v !== undefined,
    ),
  );
}
