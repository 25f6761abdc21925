import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { type IngestMessage, parseMessage } from "../../pipeline/message.ts";
import { awsError } from "../aws.ts";
import { CliError, type Command, EXIT, parseFlags, UsageError } from "../command.ts";
import { DEPLOYED_FLAGS, DEPLOYED_USAGE, type Deployed, openDeployed } from "../deployed.ts";

export const dlqCommand: Command = {
  name: "dlq",
  summary: "What waits in the dead-letter queue, grouped by reason; `tide dlq redrive` sends it back",
  usage: `Usage: tide dlq [--stack NAME] [--json]
       tide dlq redrive [--stack NAME] [--yes]

Lists the ingest batches that failed every retry and wait in the dead-letter queue, grouped by
the reason the run table recorded, with their runs and kinds. Reading holds the messages for a
few seconds, then releases them; nothing is removed.

\`redrive\` sends them back to the ingest queue, after you fixed the cause (a blueprint created
with \`tide setup\`, a token renewed). Only batches of the integration's latest run go back: a
batch of an older run would write stale data over a newer resync, so it stays (and says so).

Options:
${DEPLOYED_USAGE}
      --queue URL          the dead-letter queue (default: the stack's DeadLetterQueueUrl)
      --ingest-queue URL   where redrive sends (default: the stack's IngestQueueUrl)
      --max N              read at most N messages (default 1000)
      --json               the groups (or the redrive's result) as JSON

Examples:
  tide dlq
  tide dlq --json
  tide dlq redrive

Exit codes: 0 ok (an empty queue too), 1 AWS refused, 2 bad usage.
`,
  async run(argv, io) {
    const { values, positionals } = parseFlags(
      argv,
      {
        ...DEPLOYED_FLAGS,
        queue: { type: "string" },
        "ingest-queue": { type: "string" },
        max: { type: "string", default: "1000" },
        json: { type: "boolean", default: false },
      },
      true,
    );
    const [action, ...extra] = positionals;
    if (extra.length > 0 || (action !== undefined && action !== "redrive"))
      throw new UsageError(`unknown dlq action ${positionals.join(" ")} (only: redrive)`);
    const max = Number(values.max);
    if (!Number.isInteger(max) || max < 1)
      throw new UsageError(`--max must be a whole number, not "${values.max}"`);
    const needsStack = !values.queue || (action === "redrive" && !values["ingest-queue"]);
    const deployed = await openDeployed(values, io, needsStack);
    const dlqUrl = values.queue ?? deployed.outputs.deadLetterQueueUrl;
    if (!dlqUrl) throw new CliError("no dead-letter queue: pass --queue or --stack", EXIT.usage);
    // Queue URLs name their own region and host; the endpoint comes from the settings (and
    // AWS_ENDPOINT_URL_SQS), not from rewriting each URL.
    const sqs = new SQSClient({ ...deployed.aws, useQueueUrlAsEndpoint: false });
    const messages = await readQueue(sqs, dlqUrl, max);
    const classified = await classify(deployed, messages);
    try {
      if (action === "redrive") {
        const ingestUrl = values["ingest-queue"] ?? deployed.outputs.ingestQueueUrl;
        if (!ingestUrl) throw new CliError("no ingest queue: pass --ingest-queue or --stack", EXIT.usage);
        return await redrive(io, sqs, dlqUrl, ingestUrl, classified, values.json ?? false);
      }
      printGroups(io, classified, values.json ?? false);
      return EXIT.ok;
    } finally {
      // Whatever was not sent back or deleted is visible again at once.
      await release(
        sqs,
        dlqUrl,
        classified.filter((c) => !c.done).map((c) => c.message),
      );
    }
  },
};

interface Classified {
  message: Message;
  body?: IngestMessage;
  reason: string;
  /** The message's run is the integration's latest: redrive may send it. */
  latest: boolean;
  done?: boolean;
}

/** Receives up to `max` messages, each held invisible for 60 s (released at the end). */
async function readQueue(sqs: SQSClient, url: string, max: number): Promise<Message[]> {
  const seen = new Map<string, Message>();
  try {
    while (seen.size < max) {
      const result = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: url,
          MaxNumberOfMessages: Math.min(10, max - seen.size),
          VisibilityTimeout: 60,
          WaitTimeSeconds: 0,
          MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
        }),
      );
      const batch = (result.Messages ?? []).filter((m) => m.MessageId && !seen.has(m.MessageId));
      if (batch.length === 0) break;
      for (const m of batch) seen.set(m.MessageId ?? "", m);
    }
  } catch (error) {
    await release(sqs, url, [...seen.values()]);
    throw awsError(error, `read the dead-letter queue ${url}`);
  }
  return [...seen.values()];
}

async function classify(deployed: Deployed, messages: Message[]): Promise<Classified[]> {
  const latestOf = new Map<string, string | undefined>();
  const out: Classified[] = [];
  for (const message of messages) {
    let body: IngestMessage;
    try {
      body = parseMessage(message.Body ?? "");
    } catch (error) {
      out.push({ message, reason: `not a Tide batch: ${(error as Error).message}`, latest: false });
      continue;
    }
    try {
      const run = await deployed.store.getRun(body.runId);
      if (run && !latestOf.has(run.integrationId)) {
        latestOf.set(run.integrationId, (await deployed.store.latestRun(run.integrationId))?.runId);
      }
      // The reason of the first of its batches that recorded one (a message may hold several).
      const batches = body.parts.map((p) => p.batch);
      const records = await deployed.store.getBatches(body.runId, batches);
      const failure = batches.map((b) => records.get(b)?.failures[0]).find((f) => f !== undefined);
      const reason = failure
        ? `${failure.status ? `HTTP ${failure.status}: ` : ""}${failure.message}`
        : run
          ? "no reason recorded (the ingest failed before it could record one; see its logs)"
          : `run ${body.runId} is no longer in the run table`;
      out.push({
        message,
        body,
        reason,
        latest: run !== undefined && latestOf.get(run.integrationId) === run.runId,
      });
    } catch (error) {
      throw awsError(error, `read run table ${deployed.tableName}`, deployed.aws);
    }
  }
  return out;
}

interface Group {
  reason: string;
  messages: number;
  items: number;
  kinds: string[];
  runs: string[];
}

function groups(classified: Classified[]): Group[] {
  const byReason = new Map<string, Group>();
  for (const c of classified) {
    const g = byReason.get(c.reason) ?? { reason: c.reason, messages: 0, items: 0, kinds: [], runs: [] };
    g.messages++;
    for (const part of c.body?.parts ?? []) g.items += part.items.length;
    if (c.body && !g.kinds.includes(c.body.kind)) g.kinds.push(c.body.kind);
    if (c.body && !g.runs.includes(c.body.runId)) g.runs.push(c.body.runId);
    byReason.set(c.reason, g);
  }
  return [...byReason.values()].sort((a, b) => b.messages - a.messages);
}

function printGroups(io: Parameters<Command["run"]>[1], classified: Classified[], json: boolean): void {
  const list = groups(classified);
  if (json) {
    io.stdout.write(`${JSON.stringify({ messages: classified.length, groups: list }, null, 2)}\n`);
    return;
  }
  if (classified.length === 0) {
    io.stdout.write("the dead-letter queue is empty\n");
    return;
  }
  io.stdout.write(`${classified.length} batches in the dead-letter queue, ${list.length} reasons:\n`);
  for (const g of list) {
    io.stdout.write(
      `  ${String(g.messages).padStart(5)} × ${g.reason}\n          ${g.items} items; kinds: ${g.kinds.join(", ") || "-"}; runs: ${g.runs.join(", ") || "-"}\n`,
    );
  }
  io.stdout.write("fix the cause, then: tide dlq redrive\n");
}

async function redrive(
  io: Parameters<Command["run"]>[1],
  sqs: SQSClient,
  dlqUrl: string,
  ingestUrl: string,
  classified: Classified[],
  json: boolean,
): Promise<number> {
  let sent = 0;
  for (const c of classified) {
    if (!c.latest || !c.message.Body) continue;
    try {
      await sqs.send(new SendMessageCommand({ QueueUrl: ingestUrl, MessageBody: c.message.Body }));
      await sqs.send(new DeleteMessageCommand({ QueueUrl: dlqUrl, ReceiptHandle: c.message.ReceiptHandle }));
    } catch (error) {
      throw awsError(
        error,
        `send batch ${c.body?.parts[0]?.batch} back to ${ingestUrl} (${sent} sent so far)`,
      );
    }
    c.done = true;
    sent++;
  }
  const kept = classified.filter((c) => !c.done);
  const keptRuns = [...new Set(kept.flatMap((c) => (c.body ? [c.body.runId] : [])))];
  if (json) {
    io.stdout.write(`${JSON.stringify({ redriven: sent, kept: kept.length, keptRuns }, null, 2)}\n`);
    return EXIT.ok;
  }
  io.stdout.write(`sent ${sent} batches back to the ingest queue\n`);
  if (kept.length > 0) {
    io.stdout.write(
      `kept ${kept.length} in the dead-letter queue: their run is not the latest (${keptRuns.join(", ") || "unreadable messages"}); a newer resync covers their items, and the ingest does not yet refuse a batch of an older run, so sending them back could write stale data\n`,
    );
  }
  return EXIT.ok;
}

async function release(sqs: SQSClient, url: string, messages: Message[]): Promise<void> {
  for (let i = 0; i < messages.length; i += 10) {
    const chunk = messages.slice(i, i + 10);
    await sqs
      .send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: url,
          Entries: chunk.map((m, n) => ({
            Id: String(n),
            ReceiptHandle: m.ReceiptHandle,
            VisibilityTimeout: 0,
          })),
        }),
      )
      .catch(() => undefined); // They become visible anyway after 60 s.
  }
}
