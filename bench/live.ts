/**
 * `npm run bench -- live`: GitHub webhooks through `tide serve --local`'s stack (signed POST,
 * signature check, in-process queue, worker fetching the pull request from GitHub, mapping,
 * upsert) into the local Port, both fakes in worker threads at 50 ms a request. Measures:
 * the endpoint's acknowledgement; event received → entity in Port (p50, p99, excluding
 * nothing: the first event pays for Port's token); and events per second one worker sustains
 * (batches of 10, as the Lambda worker receives them).
 */
import { randomUUID } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import { PortCatalog } from "../lib/catalog/port-catalog.ts";
import { EventMapping } from "../lib/live/event-mapping.ts";
import { LiveGitHub } from "../lib/live/github-api.ts";
import { startLocalLive } from "../lib/live/local.ts";
import { LocalDeadLetters } from "../lib/live/local-queue.ts";
import { MemoryLiveState } from "../lib/live/state.ts";
import { processEvents } from "../lib/live/worker.ts";
import { compileResource, loadConfig } from "../lib/mapping/index.ts";
import { silentLogger } from "../lib/pipeline/logger.ts";
import { PortClient } from "../lib/port/client.ts";
import { githubDefaults } from "../lib/source/github/defaults.ts";
import { createGitHubSource } from "../lib/source/github/index.ts";
import { startGitHubFakeWorker } from "../test/fakes/github/worker.ts";
import { startPortFakeInWorker } from "../test/fakes/port/worker.ts";
import type { BenchRow } from "./row.ts";

const LATENCY_MS = 50;
const SEQUENTIAL = 200;
const THROUGHPUT = 1000;
const SECRET = "bench-secret";

type Json = Record<string, unknown>;

export async function run(): Promise<BenchRow[]> {
  const github = await startGitHubFakeWorker({
    repos: 100,
    pullsPerRepo: 20,
    issuesPerRepo: 0,
    seed: 5,
    latencyMs: LATENCY_MS,
  });
  const port = await startPortFakeInWorker({
    blueprints: structuredClone(githubDefaults.blueprints) as Array<Record<string, unknown>>,
    faults: { latencyMs: LATENCY_MS },
  });
  try {
    const pulls = await listPulls(github.url, github.token, github.login, SEQUENTIAL + THROUGHPUT);
    const config = loadConfig(await githubDefaults.portAppConfig());
    const client = new PortClient({
      ...port.credentials,
      baseUrl: port.url,
      integrationId: "bench",
      integrationType: "github",
    });
    const catalog = new PortCatalog(client, "bench");
    const api = new LiveGitHub({ apiUrl: github.url, token: github.token });

    // 1. One event at a time through the server: acknowledgement, and received → in Port.
    const applied = new Map<string, number>();
    const waiters = new Map<string, () => void>();
    const live = await startLocalLive({
      org: github.login,
      secret: SECRET,
      config,
      compile: compileResource,
      catalog,
      github: api,
      port: 0,
      onApplied: (outcome) => {
        applied.set(outcome.deliveryId, performance.now());
        waiters.get(outcome.deliveryId)?.();
      },
    });
    const acks: number[] = [];
    const endToEnd: number[] = [];
    let written = 0;
    try {
      for (const pr of pulls.slice(0, SEQUENTIAL)) {
        const delivery = randomUUID();
        const body = JSON.stringify(payloadOf(pr, github.login));
        const done = new Promise<void>((resolve) => waiters.set(delivery, resolve));
        const started = performance.now();
        const res = await fetch(`${live.server.url}/webhooks/github`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            "x-github-event": "pull_request",
            "x-github-delivery": delivery,
            "x-hub-signature-256": await sign(SECRET, body),
          },
          body,
        });
        await res.arrayBuffer();
        acks.push(performance.now() - started);
        await done;
        endToEnd.push((applied.get(delivery) as number) - started);
      }
    } finally {
      await live.close();
    }
    written = (await port.inspect(["githubPullRequest"])).entities.githubPullRequest ?? 0;

    // 2. One worker, batches of 10 events of distinct entities.
    const deps = {
      org: github.login,
      mapping: new EventMapping(config, compileResource),
      catalog,
      github: api,
      state: new MemoryLiveState(),
      log: silentLogger,
      deadLetters: new LocalDeadLetters(),
      maxReceiveCount: 5,
    };
    const events = pulls.slice(SEQUENTIAL).map((pr, i) => ({
      id: `m-${i}`,
      receiveCount: 1,
      body: JSON.stringify({
        v: 1,
        deliveryId: randomUUID(),
        event: "pull_request",
        action: "edited",
        receivedAt: new Date().toISOString(),
        group: `pull-request:${pr.id}`,
        payload: payloadOf(pr, github.login),
      }),
    }));
    const started = performance.now();
    let failures = 0;
    for (let i = 0; i < events.length; i += 10) {
      const report = await processEvents(deps, events.slice(i, i + 10));
      failures += report.retry.length + report.deadLettered;
    }
    const perSecond = events.length / ((performance.now() - started) / 1000);
    const total = (await port.inspect(["githubPullRequest"])).entities.githubPullRequest ?? 0;

    const p50 = percentile(endToEnd, 0.5);
    const ok = written === SEQUENTIAL && total === SEQUENTIAL + THROUGHPUT && failures === 0;
    return [
      {
        group: "live",
        name: `webhook acknowledged (signed POST answered 202), ${SEQUENTIAL} events`,
        value: `p50 ${percentile(acks, 0.5).toFixed(1)} ms, p99 ${percentile(acks, 0.99).toFixed(1)} ms`,
        target: "< 100 ms",
        pass: percentile(acks, 0.99) < 100,
      },
      {
        group: "live",
        name: `event received → entity in Port (GitHub and Port at ${LATENCY_MS} ms), ${SEQUENTIAL} pull_request events`,
        value: `p50 ${p50.toFixed(0)} ms, p99 ${percentile(endToEnd, 0.99).toFixed(0)} ms${ok ? "" : " (entities missing!)"}`,
        target: "p50 ≤ 300 ms",
        pass: ok && p50 <= 300,
      },
      {
        group: "live",
        name: `one worker, batches of 10 (${THROUGHPUT} events of distinct pull requests)`,
        value: `${perSecond.toFixed(0)} events/s`,
        target: "",
      },
    ];
  } finally {
    await Promise.all([github.close(), port.close()]);
  }
}

/** Pull requests as GitHub lists them, enough of them across repositories. */
async function listPulls(apiUrl: string, token: string, org: string, count: number): Promise<Json[]> {
  const source = createGitHubSource({ org, apiUrl, token });
  const kind = source.kinds["pull-request"];
  const found: Json[] = [];
  for await (const repo of kind.partitions?.() ?? []) {
    for await (const page of kind.pages({ partition: repo, selector: { state: "open" } })) {
      found.push(...(page.items as Json[]));
    }
    if (found.length >= count) break;
  }
  if (found.length < count)
    throw new Error(`the fake org has ${found.length} open pull requests, not ${count}`);
  return found.slice(0, count);
}

/** A pull_request webhook payload around a pull request as the API shows it. */
function payloadOf(pr: Json, org: string): Json {
  const repo = (pr.base as { repo: Json }).repo;
  return {
    action: "edited",
    number: pr.number,
    pull_request: pr,
    repository: repo,
    organization: { login: org },
  };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] ?? Number.NaN;
}
