import { mkdtemp } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoRunStore } from "../../lib/aws/dynamodb-run-store.ts";
import type { PortAppConfig } from "../../lib/mapping/index.ts";
import type { RunRecord } from "../../lib/pipeline/run.ts";
import { type LocalDynamo, startDynalite } from "../support/dynalite.ts";
import { tide } from "../support/tide-cli.ts";

const aws = { AWS_REGION: "us-east-1", AWS_ACCESS_KEY_ID: "local", AWS_SECRET_ACCESS_KEY: "local" };

/** Lambda's Invoke API (REST: POST /2015-03-31/functions/{name}/invocations), as far as `tide resync` uses it. */
async function startLambdaInvokeFake(known: string[]) {
  const invocations: Array<{ name: string; type: string | undefined; payload: unknown }> = [];
  const server: Server = createServer((req, res) => {
    let body = "";
    req.on("data", (d) => {
      body += d;
    });
    req.on("end", () => {
      const match = /^\/2015-03-31\/functions\/([^/]+)\/invocations/.exec(req.url ?? "");
      const name = decodeURIComponent(match?.[1] ?? "");
      if (!match || !known.includes(name)) {
        res.writeHead(404, {
          "content-type": "application/json",
          "x-amzn-errortype": "ResourceNotFoundException",
        });
        res.end(JSON.stringify({ Type: "User", message: `Function not found: ${name}` }));
        return;
      }
      invocations.push({
        name,
        type: req.headers["x-amz-invocation-type"] as string,
        payload: JSON.parse(body),
      });
      res.writeHead(202, { "content-type": "application/json" });
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, invocations, close: () => new Promise((resolve) => server.close(resolve)) };
}

describe("tide resync against a deployed stack", () => {
  let lambda: Awaited<ReturnType<typeof startLambdaInvokeFake>>;
  let cwd: string;
  beforeAll(async () => {
    lambda = await startLambdaInvokeFake(["tide-fanout"]);
    cwd = await mkdtemp(join(tmpdir(), "tide-cli-"));
  });
  afterAll(async () => lambda.close());

  it("invokes the fanout asynchronously with the kinds and prints the run id", async () => {
    const run = await tide(["resync", "--function", "tide-fanout", "--kinds", "repository,team", "--full"], {
      cwd,
      env: { ...aws, AWS_ENDPOINT_URL_LAMBDA: lambda.url },
    });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const runId = /started run (\S+) on tide-fanout/.exec(run.stdout)?.[1];
    expect(runId).toMatch(/^\d{8}T\d{6}Z-[0-9a-f]{6}$/);
    expect(lambda.invocations).toContainEqual({
      name: "tide-fanout",
      type: "Event",
      payload: { trigger: "cli", runId, kinds: ["repository", "team"], fullRewrite: true, supersede: false },
    });
    expect(run.stdout).toContain(`tide status ${runId}`);
  });

  it("asks the fanout for an incremental run with --incremental", async () => {
    const run = await tide(["resync", "--function", "tide-fanout", "--incremental"], {
      cwd,
      env: { ...aws, AWS_ENDPOINT_URL_LAMBDA: lambda.url },
    });
    expect(run.code).toBe(0);
    const runId = /started run (\S+) on tide-fanout/.exec(run.stdout)?.[1];
    expect(lambda.invocations).toContainEqual({
      name: "tide-fanout",
      type: "Event",
      payload: { trigger: "cli", runId, fullRewrite: false, incremental: true, supersede: false },
    });
  });

  it("says clearly when the function does not exist, and exits 1", async () => {
    const run = await tide(["resync", "--function", "nope"], {
      cwd,
      env: { ...aws, AWS_ENDPOINT_URL_LAMBDA: lambda.url },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/could not invoke nope: .*Function not found/);
  });

  it("refuses --plan without --local", async () => {
    const run = await tide(["resync", "--plan"], { cwd, env: aws });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/--plan needs --local/);
  });
});

describe("tide status", () => {
  let dynamo: LocalDynamo;
  let cwd: string;
  const config = { resources: [{ kind: "repository" }] } as unknown as PortAppConfig;
  const base: RunRecord = {
    runId: "20261125T100000Z-aaaaaa",
    integrationId: "gh",
    trigger: "schedule",
    status: "running",
    startedAt: "2026-11-25T10:00:00.000Z",
    resources: [0],
    full: true,
    enumerated: false,
    sent: 0,
    settled: 0,
    continuations: 2,
  };
  beforeAll(async () => {
    dynamo = await startDynalite();
    cwd = await mkdtemp(join(tmpdir(), "tide-cli-"));
    const store = new DynamoRunStore({ client: dynamo.client, tableName: dynamo.tableName });
    const incremental = {
      since: "2026-11-25T05:55:00.000Z",
      after: "20261125T060000Z-000000",
      notCovered: ["team"],
    };
    await store.createRun({ ...base, incremental }, config);
    await store.initProgress(base.runId, [{ resource: 0, kind: "repository" }]);
    await store.addProgress(base.runId, 0, { pages: 3, items: 250, batches: 3, entities: 200 });
    await store.createRun({ ...base, runId: "20261125T110000Z-bbbbbb" }, config);
    await store.transition("20261125T110000Z-bbbbbb", "running", "failed", {
      status: "failed",
      durationMs: 4200,
      kinds: [{ kind: "repository", items: 250, entities: 249, unchanged: 0, filtered: 0, failures: 1 }],
      failures: [
        {
          kind: "repository",
          item: "acme/api",
          status: 422,
          traceId: "abc123",
          message: "githubRepository/api: bad",
        },
      ],
      failureCount: 1,
      deleted: {},
      deletion: {
        performed: false,
        reason: "the run had 1 failure(s): nothing deleted",
        toDelete: 0,
        found: 0,
      },
      continuations: 0,
      batches: 3,
    });
  });
  afterAll(async () => dynamo.close());
  const env = () => ({ ...aws, AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint, TIDE_INTEGRATION_ID: "gh" });

  it("shows a running run's progress per kind", async () => {
    const run = await tide(["status", base.runId, "--table", dynamo.tableName], { cwd, env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      `run ${base.runId}: running since 2026-11-25T10:00:00.000Z (2 continuations)`,
    );
    expect(run.stdout).toMatch(/repository: still listing, 3 pages, 250 items, 200 entities, 0 failed/);
    expect(run.stdout).toContain(
      "incremental: changes since 2026-11-25T05:55:00.000Z (run 20261125T060000Z-000000 less a margin); team left to full resyncs",
    );
  });

  it("shows the latest run's summary with its failures, and exits 1 for a failed run", async () => {
    const run = await tide(["status", "--table", dynamo.tableName], { cwd, env: env() });
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/run 20261125T110000Z-bbbbbb: failed in 4\.2 s/);
    expect(run.stdout).toMatch(
      /repository, item acme\/api: githubRepository\/api: bad \(HTTP 422 trace abc123\)/,
    );
    expect(run.stdout).toMatch(/deleted nothing: the run had 1 failure/);
  });

  it("says which run is missing", async () => {
    const run = await tide(["status", "nope", "--table", dynamo.tableName], { cwd, env: env() });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/no run nope in tide-runs/);
  });
});
