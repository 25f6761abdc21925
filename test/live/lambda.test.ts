import { randomUUID } from "node:crypto";
import { GetQueueAttributesCommand, ReceiveMessageCommand, SQSClient } from "@aws-sdk/client-sqs";
import { sign } from "@octokit/webhooks-methods";
import type { LambdaFunctionURLEvent, SQSEvent } from "aws-lambda";
import { startFauxqs } from "fauxqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventsHandler, webhookHandler } from "../../lib/aws/live-handlers.ts";
import { buildEventsRuntime, buildWebhookRuntime, perContainer } from "../../lib/aws/live-runtime.ts";
import { resyncLocal } from "../../lib/local/resync.ts";
import { silentLogger } from "../../lib/pipeline/logger.ts";
import { type LocalDynamo, startDynalite } from "../support/dynalite.ts";
import { deployedEnv } from "../support/lambda-world.ts";
import { SqsPoller } from "../support/sqs-poller.ts";
import { BLUEPRINTS, INTEGRATION, startWorld, type World } from "../support/world.ts";
import { example, retarget } from "./webhooks.ts";

type Json = Record<string, unknown>;

const SECRET = "lambda-webhook-secret";
let world: World;
let dynamo: LocalDynamo;
let sqs: Awaited<ReturnType<typeof startFauxqs>>;
let client: SQSClient;
let queueUrl: string;
let dlqUrl: string;
let webhook: ReturnType<typeof webhookHandler>;
let clock = Date.UTC(2026, 1, 2, 10);

beforeAll(async () => {
  world = await startWorld({
    github: { repos: 5, pullsPerRepo: 3, issuesPerRepo: 1, teams: 2, seed: 41, now: () => clock },
  });
  const { run } = await resyncLocal({
    integrationId: INTEGRATION,
    config: world.config,
    source: world.source,
    catalog: world.catalog,
    compile: world.compile,
  });
  expect(run.status).toBe("completed");
  sqs = await startFauxqs({ port: 0, host: "127.0.0.1", logger: false });
  const dlq = sqs.createQueue("tide-events-dlq.fifo", { attributes: { FifoQueue: "true" } });
  const queue = sqs.createQueue("tide-events.fifo", {
    attributes: {
      FifoQueue: "true",
      VisibilityTimeout: "30",
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.queueArn, maxReceiveCount: 3 }),
    },
  });
  queueUrl = queue.queueUrl;
  dlqUrl = dlq.queueUrl;
  client = new SQSClient({
    endpoint: sqs.address,
    region: "us-east-1",
    credentials: { accessKeyId: "local", secretAccessKey: "local" },
  });
  dynamo = await startDynalite();
  const local = { client, endpoint: sqs.address, queueUrl, dlqUrl, close: async () => {} };
  const env = {
    ...(await deployedEnv(world, local, dynamo, 3)),
    TIDE_EVENTS_QUEUE_URL: queueUrl,
    TIDE_EVENTS_DLQ_URL: dlqUrl,
    GITHUB_WEBHOOK_SECRET: SECRET,
  };
  Object.assign(process.env, env);
  webhook = webhookHandler(
    perContainer(() => buildWebhookRuntime(env)),
    silentLogger,
  );
  const worker = eventsHandler(perContainer(() => buildEventsRuntime(env, silentLogger)));
  poller = new SqsPoller({ client, queueUrl, handler: worker, retryVisibilitySeconds: 0 });
  poller.start();
});
let poller: SqsPoller;
afterAll(async () => {
  await poller?.stop();
  client?.destroy();
  await sqs?.stop();
  await dynamo?.close();
  await world?.close();
});

/** A Function URL request as Lambda hands it over: headers, base64 body. */
async function urlEvent(
  event: string,
  payload: Json,
  delivery: string,
  secret = SECRET,
): Promise<LambdaFunctionURLEvent> {
  const body = JSON.stringify(payload);
  return {
    version: "2.0",
    rawPath: "/webhooks/github",
    rawQueryString: "",
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": delivery,
      "x-hub-signature-256": await sign(secret, body),
    },
    requestContext: { http: { method: "POST", path: "/webhooks/github" } },
    body: Buffer.from(body).toString("base64"),
    isBase64Encoded: true,
  } as unknown as LambdaFunctionURLEvent;
}

/** Until the events queue holds nothing, visible or in flight. */
async function drained(): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const { Attributes: a = {} } = await client.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
      }),
    );
    if (Number(a.ApproximateNumberOfMessages) + Number(a.ApproximateNumberOfMessagesNotVisible) === 0) return;
    if (Date.now() > deadline) throw new Error("the events queue did not drain");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

async function post(event: string, payload: Json, delivery = randomUUID(), secret = SECRET) {
  const answer = await webhook(await urlEvent(event, payload, delivery, secret));
  await drained();
  return answer;
}

function pullPayload(action: string, repo: string, number: number): Json {
  const payload = retarget(
    example("pull_request", action === "edited" ? "opened" : action),
    world.github.org,
    repo,
  );
  payload.action = action;
  const pr = world.github.org.pulls(repo, "all").find((p) => p.number === number);
  payload.pull_request = { ...(payload.pull_request as Json), ...pr };
  return payload;
}

const openPull = (repo: string) => world.github.org.pulls(repo, "open")[0]?.number as number;
const repoAt = (i: number) => world.github.org.repoNames()[i] as string;

describe("live events through the Lambda handlers, SQS FIFO and DynamoDB", () => {
  it("answers 401 to a bad signature and queues nothing", async () => {
    const repo = repoAt(0);
    const answer = await post(
      "pull_request",
      pullPayload("edited", repo, openPull(repo)),
      randomUUID(),
      "wrong",
    );
    expect(answer.statusCode).toBe(401);
    const got = await client.send(new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }));
    expect(got.Messages ?? []).toEqual([]);
  });

  it("applies an event once per delivery, and never backwards", async () => {
    const repo = repoAt(1);
    const number = openPull(repo);
    const id = `${repo}-${number}`;
    world.github.org.updatePull(repo, number, { title: "First" });
    const older = pullPayload("edited", repo, number);
    clock += 1000;
    world.github.org.updatePull(repo, number, { title: "Second" });
    const newer = pullPayload("edited", repo, number);
    const delivery = randomUUID();
    expect((await post("pull_request", newer, delivery)).statusCode).toBe(202);
    expect(world.port.entity(BLUEPRINTS.pullRequest, id)?.title).toBe("Second");

    clock += 1000;
    world.github.org.updatePull(repo, number, { title: "Third, with no event" });
    const upserts = world.port.requestCount("bulkUpsert");
    // GitHub's redelivery (same id), after SQS's own deduplication window is out of play:
    // straight to the worker, as a redrive would.
    const handler = eventsHandler(perContainer(() => buildEventsRuntime(process.env, silentLogger)));
    const redelivered = {
      v: 1,
      deliveryId: delivery,
      event: "pull_request",
      action: "edited",
      receivedAt: new Date().toISOString(),
      group: `pull-request:${(newer.pull_request as Json).id}`,
      payload: newer,
    };
    const result = await handler({
      Records: [
        {
          messageId: "redelivered",
          body: JSON.stringify(redelivered),
          attributes: { ApproximateReceiveCount: "1" },
        },
      ],
    } as unknown as SQSEvent);
    expect(result.batchItemFailures).toEqual([]);
    await post("pull_request", older); // the older event, arriving late
    expect(world.port.requestCount("bulkUpsert")).toBe(upserts);
    expect(world.port.entity(BLUEPRINTS.pullRequest, id)?.title).toBe("Second");
  });

  it("deletes a closed pull request the selector no longer keeps, a deleted repository, and a renamed one's old name", async () => {
    const repo = repoAt(2);
    const number = openPull(repo);
    world.github.org.updatePull(repo, number, { state: "closed" });
    await post("pull_request", pullPayload("closed", repo, number));
    expect(world.port.entity(BLUEPRINTS.pullRequest, `${repo}-${number}`)).toBeUndefined();

    const gone = repoAt(3);
    const deleted = retarget(example("repository", "created"), world.github.org, gone);
    deleted.action = "deleted";
    world.github.org.removeRepo(gone);
    await post("repository", deleted);
    expect(world.port.entity(BLUEPRINTS.repository, gone)).toBeUndefined();

    const from = repoAt(0);
    world.github.org.renameRepo(from, `${from}-2`);
    const renamed = retarget(example("repository", "renamed"), world.github.org, `${from}-2`);
    renamed.changes = { repository: { name: { from } } };
    await post("repository", renamed);
    expect(world.port.entity(BLUEPRINTS.repository, `${from}-2`)).toBeDefined();
    expect(world.port.entity(BLUEPRINTS.repository, from)).toBeUndefined();
  });

  it("sends an event that cannot be applied to the DLQ with its reason", async () => {
    const broken = retarget(example("pull_request", "opened"), world.github.org, repoAt(1));
    delete broken.pull_request;
    expect((await post("pull_request", broken)).statusCode).toBe(202);
    const got = await client.send(
      new ReceiveMessageCommand({ QueueUrl: dlqUrl, MessageAttributeNames: ["All"], WaitTimeSeconds: 0 }),
    );
    expect(got.Messages).toHaveLength(1);
    expect(got.Messages?.[0]?.MessageAttributes?.reason?.StringValue).toContain(
      "the payload has no pull_request object",
    );
  });
});
