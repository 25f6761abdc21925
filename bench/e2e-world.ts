/**
 * The end-to-end benchmark's world: a GitHub org (fake, in a worker thread) and a Port
 * (emulator, in a worker thread), both with a fixed latency per request, and the real GitHub
 * source, Port client and default mapping wired to them.
 */
import { parse, stringify } from "yaml";
import { PortCatalog } from "../lib/catalog/port-catalog.ts";
import { compileResource, loadConfig, type PortAppConfig } from "../lib/mapping/index.ts";
import { PortClient } from "../lib/port/index.ts";
import { githubDefaults } from "../lib/source/github/defaults.ts";
import { createGitHubSource, type GitHubSource } from "../lib/source/github/index.ts";
import { startGitHubFakeWorker, type WorkerGitHubFake } from "../test/fakes/github/worker.ts";
import { type RemotePortFake, startPortFakeInWorker } from "../test/fakes/port/worker.ts";

export const INTEGRATION = "bench-e2e";

export interface Shape {
  repos: number;
  pullsPerRepo: number;
  latencyMs: number;
}

export interface BenchWorld {
  github: WorkerGitHubFake;
  port: RemotePortFake;
  source: GitHubSource;
  client: PortClient;
  catalog: PortCatalog;
  /** The default mapping's `repository` and `pull-request` resources, every pull request (`state: all`). */
  config: PortAppConfig;
  compile: typeof compileResource;
  /** Requests the emulator received so far, all routes. */
  portRequests(): Promise<number>;
  close(): Promise<void>;
}

/**
 * The default GitHub mapping cut down to `kinds` (repositories and pull requests). `state: all`
 * because the fake (in a worker, so configured with plain data only) draws each pull
 * request's state from the seed: every one of them counts, whatever its state.
 */
export async function benchConfig(kinds = ["repository", "pull-request"]): Promise<PortAppConfig> {
  const doc = parse(await githubDefaults.portAppConfig()) as {
    resources: Array<{ kind: string; selector?: Record<string, unknown> }>;
  };
  doc.resources = doc.resources.filter((r) => kinds.includes(r.kind));
  for (const r of doc.resources) if (r.kind === "pull-request") r.selector = { ...r.selector, state: "all" };
  return loadConfig(stringify(doc), "bench-port-app-config.yml");
}

/** With `portConcurrency` undefined, the Port client keeps its default. */
export async function startBenchWorld(shape: Shape, portConcurrency?: number): Promise<BenchWorld> {
  const [github, port] = await Promise.all([
    startGitHubFakeWorker({
      repos: shape.repos,
      pullsPerRepo: shape.pullsPerRepo,
      issuesPerRepo: 0,
      teams: 0,
      latencyMs: shape.latencyMs,
      rateLimit: { limit: 10_000_000 },
      // Each page is rendered once, on the warm-up run: the fake's thread then only waits.
      cacheResponses: true,
      seed: 8,
    }),
    startPortFakeInWorker({
      blueprints: structuredClone(githubDefaults.blueprints) as Array<Record<string, unknown>>,
      integrations: [{ identifier: INTEGRATION, config: {} }],
      faults: { latencyMs: shape.latencyMs },
    }),
  ]);
  const source = createGitHubSource({ org: github.login, apiUrl: github.url, token: github.token });
  const client = new PortClient({
    ...port.credentials,
    baseUrl: port.url,
    integrationId: INTEGRATION,
    integrationType: "github",
    concurrency: portConcurrency,
  });
  return {
    github,
    port,
    source,
    client,
    catalog: new PortCatalog(client, INTEGRATION),
    config: await benchConfig(),
    compile: compileResource,
    portRequests: async () => (await port.inspect([])).total,
    close: async () => {
      await Promise.all([github.close(), port.close()]);
    },
  };
}
