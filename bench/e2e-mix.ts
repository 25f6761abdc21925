/**
 * `npm run bench -- mix`: the end-to-end resync of a realistic mix of GitHub kinds —
 * repositories, pull requests, workflow runs, deployments and Dependabot alerts, with Ocean's
 * mappings — from the GitHub fake to the Port fake (each in a worker thread, 50 ms a request),
 * through Tide's local pipeline with its defaults, beside its floor.
 */
import { parse, stringify } from "yaml";
import { PortCatalog } from "../lib/catalog/port-catalog.ts";
import { MemoryContentHashes } from "../lib/local/memory-content-hashes.ts";
import { MemoryRunStore } from "../lib/local/memory-run-store.ts";
import { resyncLocal } from "../lib/local/resync.ts";
import { compileResource, loadConfig } from "../lib/mapping/index.ts";
import { PortClient } from "../lib/port/index.ts";
import {
  githubDefaults,
  githubKindBlueprints,
  githubMoreKindsConfig,
} from "../lib/source/github/defaults.ts";
import { createGitHubSource } from "../lib/source/github/index.ts";
import { DEFAULT_MAX_CONCURRENCY } from "../lib/source/github/octokit.ts";
import { startGitHubFakeWorker } from "../test/fakes/github/worker.ts";
import { startPortFakeInWorker } from "../test/fakes/port/worker.ts";
import { warmUp } from "./e2e.ts";
import type { BenchRow } from "./row.ts";

const INTEGRATION = "bench-mix";
const LATENCY_MS = 50;
const REPOS = 400;
/** Port requests in flight: the Port client's default. */
const PORT_CONCURRENCY = 8;
const PER_REQUEST = 20;

/** Ocean's documented mapping of a Dependabot alert (the kind has none in Tide's defaults). */
const DEPENDABOT = {
  kind: "dependabot-alert",
  selector: { query: "true", states: ["open", "fixed", "dismissed", "auto_dismissed"] },
  port: {
    entity: {
      mappings: {
        identifier: '.__repository + "-" + (.number | tostring)',
        title: ".number | tostring",
        blueprint: '"githubDependabotAlert"',
        properties: {
          state: ".state",
          severity: ".security_advisory.severity",
          packageName: ".dependency.package.name",
          url: ".html_url",
        },
        relations: { repository: ".__repository" },
      },
    },
  },
};

type Resource = { kind: string; selector?: Record<string, unknown> };

async function mixConfig() {
  const defaults = parse(await githubDefaults.portAppConfig()) as { resources: Resource[] };
  const more = parse(await githubMoreKindsConfig()) as { resources: Resource[] };
  const pick = (from: Resource[], kind: string) => from.filter((r) => r.kind === kind);
  const resources = [
    ...pick(defaults.resources, "repository"),
    ...pick(defaults.resources, "pull-request").map((r) => ({
      ...r,
      selector: { ...r.selector, state: "all" },
    })),
    ...pick(more.resources, "workflow-run"),
    ...pick(more.resources, "deployment"),
    DEPENDABOT,
  ];
  return loadConfig(stringify({ ...defaults, resources }), "bench-mix.yml");
}

export async function run(): Promise<BenchRow[]> {
  const config = await mixConfig();
  const [github, port] = await Promise.all([
    startGitHubFakeWorker({
      repos: REPOS,
      pullsPerRepo: 10,
      issuesPerRepo: 0,
      teams: 0,
      cicd: { workflowsPerRepo: 2, runsPerWorkflow: 10, deploymentsPerRepo: 5, environmentsPerRepo: 2 },
      alertsPerRepo: { dependabot: 4, "code-scanning": 0, "secret-scanning": 0 },
      latencyMs: LATENCY_MS,
      rateLimit: { limit: 10_000_000 },
      cacheResponses: true,
      seed: 15,
    }),
    startPortFakeInWorker({
      blueprints: structuredClone([...githubDefaults.blueprints, ...githubKindBlueprints]) as Array<
        Record<string, unknown>
      >,
      integrations: [{ identifier: INTEGRATION, config: {} }],
      faults: { latencyMs: LATENCY_MS },
    }),
  ]);
  try {
    const source = createGitHubSource({ org: github.login, apiUrl: github.url, token: github.token });
    // One untimed pass renders every page once (the fake then only waits) and counts them.
    const before = (await github.stats()).requests;
    await warmUp({ config, source });
    const pages = (await github.stats()).requests - before;
    const client = new PortClient({
      ...port.credentials,
      baseUrl: port.url,
      integrationId: INTEGRATION,
      integrationType: "github",
    });
    const statsBefore = await github.stats();
    // TIDE_BENCH_TRACE=1: each second, requests in flight and answered by route, on stderr.
    const timeline: string[] = [];
    let lastRoutes = statsBefore.byRoute;
    const loopBefore = performance.eventLoopUtilization();
    const cpuBefore = process.threadCpuUsage();
    const started = performance.now();
    const sampler = setInterval(async () => {
      const now = await github.stats();
      const moved = Object.entries(now.byRoute)
        .map(([route, n]) => [route.split("/").slice(-2).join("/"), n - (lastRoutes[route] ?? 0)] as const)
        .filter(([, n]) => n > 0)
        .map(([route, n]) => `${route}:${n}`);
      lastRoutes = now.byRoute;
      timeline.push(
        `${((performance.now() - started) / 1000).toFixed(1)}s inFlight=${now.inFlight} ${moved.join(" ")}`,
      );
    }, 1000);
    const { run } = await resyncLocal({
      integrationId: INTEGRATION,
      config,
      source,
      catalog: new PortCatalog(client, INTEGRATION),
      compile: compileResource,
      store: new MemoryRunStore(),
      hashes: new MemoryContentHashes(),
    });
    const wallMs = performance.now() - started;
    const loop = performance.eventLoopUtilization(loopBefore);
    // This thread only (the fakes have their own): CPU the pipeline used, however busy the machine.
    const cpu = process.threadCpuUsage(cpuBefore);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    clearInterval(sampler);
    if (process.env.TIDE_BENCH_TRACE) console.error(timeline.join("\n"));
    const meanInFlight = ((await github.stats()).inFlightMs - statsBefore.inFlightMs) / wallMs;
    if (run.status !== "completed") throw new Error(`bench resync ended ${run.status}`);
    const kinds = run.summary?.kinds ?? [];
    const entities = kinds.reduce((n, k) => n + k.entities, 0);
    const githubFloor = (pages * LATENCY_MS) / DEFAULT_MAX_CONCURRENCY;
    const portFloor = (Math.ceil(entities / PER_REQUEST) * LATENCY_MS) / PORT_CONCURRENCY;
    const floorMs = Math.max(githubFloor, portFloor);
    const mix = kinds.map((k) => `${k.entities.toLocaleString("en")} ${k.kind}`).join(", ");
    return [
      {
        group: "end-to-end",
        name: `realistic mix, ${REPOS} repositories (${mix}), 50 ms per request, defaults`,
        value:
          `${(wallMs / 1000).toFixed(1)} s = ${(wallMs / floorMs).toFixed(2)}× floor ` +
          `(floor ${(floorMs / 1000).toFixed(1)} s: ${pages.toLocaleString("en")} GitHub pages ÷ ${DEFAULT_MAX_CONCURRENCY} ` +
          `vs ${Math.ceil(entities / PER_REQUEST).toLocaleString("en")} upserts ÷ ${PORT_CONCURRENCY}); ` +
          `GitHub ${meanInFlight.toFixed(1)} of ${DEFAULT_MAX_CONCURRENCY} in flight on average; ` +
          `the pipeline's event loop busy ${(loop.utilization * 100).toFixed(0)}% of the time, ` +
          `its thread's CPU ${(cpuMs / 1000).toFixed(1)} s`,
        target: "",
      },
    ];
  } finally {
    await Promise.all([github.close(), port.close()]);
  }
}
