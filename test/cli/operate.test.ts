// Day-2 commands against real local AWS-compatible servers (dynalite, fauxqs): tide runs,
// tide status --watch, tide dlq, tide dlq redrive, and the hint when AWS settings are missing.
import { spawn } from "node:child_process";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoRunStore } from "../../lib/aws/dynamodb-run-store.ts";
import type { PortAppConfig } from "../../lib/mapping/index.ts";
import type { BatchResult, RunRecord, RunSummary } from "../../lib/pipeline/run.ts";
import { type LocalDynamo, startDynalite } from "../support/dynalite.ts";
import { type LocalSqs, startSqs } from "../support/sqs.ts";
import { tide } from "../support/tide-cli.ts";

const aws = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };
const config = { resources: [{ kind: "repository" }] } as unknown as PortAppConfig;
const run = (runId: string, over: Partial<RunRecord> = {}): RunRecord => ({
  runId,
  integrationId: "gh",
  trigger: "schedule",
  status: "running",
  startedAt: `${runId.slice(0, 4)}-${runId.slice(4, 6)}-${runId.slice(6, 8)}T${runId.slice(9, 11)}:00:00.000Z`,
  resources: [0],
  full: true,
  enumerated: false,
  sent: 0,
  settled: 0,
  continuations: 0,
  ...over,
});
const summary = (over: Partial<RunSummary>): RunSummary => ({
  status: "completed",
  durationMs: 95_000,
  kinds: [{ kind: "repository", items: 120, entities: 118, unchanged: 0, filtered: 0, failures: 0 }],
  failures: [],
  failureCount: 0,
  deleted: {},
  deletion: { performed: true, toDelete: 0, found: 0 },
  continuations: 0,
  batches: 2,
  ...over,
});
const OLD = "20261120T100000Z-aaaaaa";
const PARTIAL = "20261121T100000Z-bbbbbb";
const LATEST = "20261122T100000Z-cccccc";
/** The latest run once the DLQ tests start (the --watch test created a later one). */
const DLQ_RUN = "20261124T100000Z-eeeeee";

let dynamo: LocalDynamo;
let sqs: LocalSqs;
let store: DynamoRunStore;
let cwd: string;
const env = () => ({
  ...aws,
  AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
  AWS_ENDPOINT_URL_SQS: sqs.endpoint,
  TIDE_INTEGRATION_ID: "gh",
});

beforeAll(async () => {
  [dynamo, sqs] = await Promise.all([startDynalite(), startSqs()]);
  store = new DynamoRunStore({ client: dynamo.client, tableName: dynamo.tableName });
  cwd = await mkdtemp(join(tmpdir(), "tide-ops-"));
  await store.createRun(run(OLD), config);
  await store.transition(OLD, "running", "completed", summary({ deleted: { githubRepository: 3 } }));
  const since = "2026-11-20T09:55:00.000Z";
  await store.createRun(run(PARTIAL, { incremental: { since, after: OLD, notCovered: [] } }), config);
  await store.transition(PARTIAL, "running", "completed", summary({ failureCount: 2 }));
  await store.createRun(run(LATEST, { trigger: "cli" }), config);
});
afterAll(async () => Promise.all([dynamo?.close(), sqs?.close()]));

describe("tide runs", () => {
  it("lists recent runs newest first, one line each, with outcome and counts", async () => {
    const r = await tide(["runs", "--table", dynamo.tableName], { cwd, env: env() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split("\n");
    expect(lines[0]).toMatch(
      /^run\s+outcome\s+trigger\s+covers\s+started \(UTC\)\s+took\s+entities\s+failed\s+deleted$/,
    );
    expect(lines.slice(1).map((l) => l.split(/\s{2,}/))).toEqual([
      [LATEST, "running", "cli", "full", "2026-11-22 10:00:00", "-", "-", "-", "-"],
      [
        PARTIAL,
        "partial",
        "schedule",
        "changes since 2026-11-20 09:55:00",
        "2026-11-21 10:00:00",
        "1m35s",
        "118",
        "2",
        "0",
      ],
      [OLD, "completed", "schedule", "full", "2026-11-20 10:00:00", "1m35s", "118", "0", "3"],
    ]);
  });

  it("limits and prints JSON", async () => {
    const r = await tide(["runs", "--table", dynamo.tableName, "--limit", "1", "--json"], {
      cwd,
      env: env(),
    });
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ runId: LATEST, outcome: "running" })]);
  });
});

describe("tide status --watch", () => {
  it("follows a run live until it ends, then prints its summary", async () => {
    const WATCHED = "20261123T100000Z-dddddd";
    await store.createRun(run(WATCHED), config);
    await store.initProgress(WATCHED, [{ resource: 0, kind: "repository" }]);
    const child = spawn(
      process.execPath,
      [
        join(import.meta.dirname, "../../bin/tide.js"),
        "status",
        WATCHED,
        "--watch",
        "--interval",
        "0.2",
        "--table",
        dynamo.tableName,
      ],
      { cwd, env: { PATH: process.env.PATH ?? "", HOME: cwd, NO_COLOR: "1", ...env() } },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
    // Advance the run only once the watcher has shown its first state.
    await new Promise<void>((resolve) =>
      child.stderr.on("data", (d) => {
        stderr += d;
        if (stderr.includes("still listing")) resolve();
      }),
    );
    expect(stderr).toMatch(/run 20261123T100000Z-dddddd: running .*\n\s+repository: still listing, 0 pages/);
    await store.addProgress(WATCHED, 0, { pages: 2, items: 40, batches: 1, entities: 40 });
    await store.transition(WATCHED, "running", "completed", summary({ durationMs: 4000 }));
    expect(await exited).toBe(0);
    expect(stdout).toMatch(/run 20261123T100000Z-dddddd: completed in 4(\.0)? s/);
  });
});

describe("tide dlq", () => {
  const batch = (runId: string, n: number, reason?: { status: number; message: string }) => ({
    message: {
      v: 1,
      runId,
      resource: 0,
      kind: "repository",
      batch: `b${n}`,
      items: [{ id: n }, { id: n + 100 }],
    },
    record: reason
      ? ({
          batch: `b${n}`,
          resource: 0,
          state: "failed",
          items: 2,
          entities: 0,
          unchanged: 0,
          filtered: 0,
          failures: [{ kind: "repository", batch: `b${n}`, ...reason }],
          failureCount: 2,
          seen: {},
        } as unknown as BatchResult)
      : undefined,
  });
  beforeAll(async () => {
    await store.createRun(run(DLQ_RUN), config);
    const notFound = { status: 404, message: "blueprint githubRepository not found" };
    const batches = [
      batch(DLQ_RUN, 1, notFound),
      batch(DLQ_RUN, 2, notFound),
      batch(DLQ_RUN, 3, { status: 401, message: "Port refused the token" }),
      batch(OLD, 4, notFound),
    ];
    for (const b of batches) {
      await store.registerBatch(b.message.runId, b.message.batch, 0);
      if (b.record) await store.settleBatch(b.message.runId, b.record);
      await sqs.client.send(
        new SendMessageCommand({ QueueUrl: sqs.dlqUrl, MessageBody: JSON.stringify(b.message) }),
      );
    }
    await sqs.client.send(new SendMessageCommand({ QueueUrl: sqs.dlqUrl, MessageBody: "{oops" }));
  });
  const flags = () => ["--table", dynamo.tableName, "--queue", sqs.dlqUrl, "--ingest-queue", sqs.queueUrl];

  it("groups what waits by the recorded reason, with counts, kinds and runs; removes nothing", async () => {
    const r = await tide(["dlq", ...flags(), "--json"], { cwd, env: env() });
    expect(r.stderr).toBe("");
    const out = JSON.parse(r.stdout);
    expect(out.messages).toBe(5);
    expect(out.groups[0]).toEqual({
      reason: "HTTP 404: blueprint githubRepository not found",
      messages: 3,
      items: 6,
      kinds: ["repository"],
      runs: expect.arrayContaining([DLQ_RUN, OLD]),
    });
    expect(out.groups.map((g: { reason: string }) => g.reason)).toEqual(
      expect.arrayContaining([
        "HTTP 401: Port refused the token",
        expect.stringMatching(/^not a Tide batch/),
      ]),
    );
    // Reading released them: the table output sees all five again at once.
    const table = await tide(["dlq", ...flags()], { cwd, env: env() });
    expect(table.stdout).toMatch(/5 batches in the dead-letter queue, 3 reasons/);
    expect(table.stdout).toMatch(/\s3 × HTTP 404: blueprint githubRepository not found/);
  });

  it("redrive sends back only the latest run's batches, keeps the rest and says why", async () => {
    const r = await tide(["dlq", "redrive", ...flags()], { cwd, env: env() });
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/sent 3 batches back to the ingest queue/);
    expect(r.stdout).toMatch(
      new RegExp(`kept 2 in the dead-letter queue: their run is not the latest \\(${OLD}`),
    );
    const received = await sqs.client.send(
      new ReceiveMessageCommand({ QueueUrl: sqs.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
    );
    expect((received.Messages ?? []).map((m) => JSON.parse(m.Body ?? "").batch).sort()).toEqual([
      "b1",
      "b2",
      "b3",
    ]);
    const left = JSON.parse((await tide(["dlq", ...flags(), "--json"], { cwd, env: env() })).stdout);
    expect(left.messages).toBe(2);
  });
});

describe("missing AWS settings", () => {
  it("says what to set when no region is configured, and exits 2", async () => {
    const r = await tide(["runs", "--table", "tide-runs"], {
      cwd,
      env: {
        HOME: cwd,
        AWS_CONFIG_FILE: join(cwd, "none"),
        AWS_SHARED_CREDENTIALS_FILE: join(cwd, "none"),
        TIDE_INTEGRATION_ID: "gh",
      },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no AWS region\. Set AWS_REGION \(or pass --region\)/);
  });

  it("accepts --region and --profile", async () => {
    const r = await tide(["runs", "--table", dynamo.tableName, "--region", "eu-west-1", "--limit", "1"], {
      cwd,
      env: { ...env(), AWS_REGION: "" },
    });
    expect(r.stderr).toBe("");
    expect(r.stdout).toMatch(/^\d{8}T\d{6}Z-\w+\s/m);
    // A profile from the AWS config file gives region and credentials; none in the environment.
    const awsConfig = join(cwd, "aws-config");
    await writeFile(
      awsConfig,
      "[profile local]\nregion = us-east-1\naws_access_key_id = local\naws_secret_access_key = local\n",
    );
    const files = { AWS_CONFIG_FILE: awsConfig, AWS_SHARED_CREDENTIALS_FILE: join(cwd, "none") };
    const bare = {
      HOME: cwd,
      TIDE_INTEGRATION_ID: "gh",
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      ...files,
    };
    const p = await tide(["runs", "--table", dynamo.tableName, "--profile", "local", "--limit", "1"], {
      cwd,
      env: bare,
    });
    expect(p.stderr).toBe("");
    expect(p.code).toBe(0);
    const missing = await tide(
      ["runs", "--table", dynamo.tableName, "--profile", "nope", "--region", "us-east-1"],
      {
        cwd,
        env: bare,
      },
    );
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/nope/);
    expect(missing.stderr).toMatch(/Check your AWS credentials/);
  });
});
