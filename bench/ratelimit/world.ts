/**
 * The rate-limit benchmark's world: a GitHub org (fake, in a worker thread) enforcing a
 * primary limit per hour, a Port (emulator, in a worker thread) enforcing 35,000 requests per
 * 5 minutes, and the real GitHub source and Port client — all on one {@link SkipClock}: work
 * takes its real time, waiting for a rate limit takes none, so hours of windows pass in minutes.
 */
import { generateKeyPairSync } from "node:crypto";
import { PortCatalog } from "../../lib/catalog/port-catalog.ts";
import { compileResource, loadConfig, type PortAppConfig } from "../../lib/mapping/index.ts";
import { PortClient } from "../../lib/port/index.ts";
import { createGitHubSource, type GitHubSource } from "../../lib/source/github/index.ts";
import { startGitHubFakeWorker, type WorkerGitHubFake } from "../../test/fakes/github/worker.ts";
import { type RemotePortFake, startPortFakeInWorker } from "../../test/fakes/port/worker.ts";
import { SkipClock } from "../../test/fakes/skip-clock.ts";

export const INTEGRATION = "bench-ratelimit";
export const HOUR = 3_600_000;
/** Port's published organization limit (port-api.md): 35,000 requests per 5 minutes. */
export const PORT_LIMIT = { limit: 35_000, periodSec: 300 };
export const BLUEPRINTS = { repository: "rlRepository", pullRequest: "rlPullRequest" };

export interface Shape {
  repos: number;
  pullsPerRepo: number;
}

export interface Scenario {
  name: string;
  /** GitHub's primary limit for this credential, requests per hour. */
  perHour: number;
  /** Authenticate as a GitHub App installation (installation tokens on the same clock) or a token. */
  app: boolean;
  /** GitHub's secondary limit, points a minute (default the documented 900). */
  pointsPerMinute?: number;
}

/**
 * Items carry a handful of fields and map with a trivial jq mapping: a million of them must
 * cross the real pipeline fast enough that the rate limits, not this machine, bind.
 */
const LIST_FIELDS = ["id", "name", "full_name", "has_issues", "number", "title", "state"];

const CONFIG = `
resources:
  - kind: repository
    selector: { query: "true" }
    port:
      entity:
        mappings:
          identifier: .name
          title: .name
          blueprint: '"${BLUEPRINTS.repository}"'
          properties: {}
  - kind: pull-request
    selector: { query: "true", state: all }
    port:
      entity:
        mappings:
          identifier: .id | tostring
          title: .title
          blueprint: '"${BLUEPRINTS.pullRequest}"'
          properties:
            state: .state
`;

export interface RateLimitWorld {
  clock: SkipClock;
  github: WorkerGitHubFake;
  port: RemotePortFake;
  source: GitHubSource;
  client: PortClient;
  catalog: PortCatalog;
  config: PortAppConfig;
  compile: typeof compileResource;
  close(): Promise<void>;
}

export async function startRateLimitWorld(shape: Shape, scenario: Scenario): Promise<RateLimitWorld> {
  // The ingest works through its backlog while the fanout waits for a window, as on AWS.
  const clock = new SkipClock({ overlapWork: true });
  const keys = scenario.app ? appKeys() : undefined;
  const app = keys && { appId: "1818", installationId: 18 };
  const [github, port] = await Promise.all([
    startGitHubFakeWorker({
      repos: shape.repos,
      pullsPerRepo: shape.pullsPerRepo,
      issuesPerRepo: 0,
      teams: 0,
      rateLimit: { limit: scenario.perHour, windowMs: HOUR },
      listFields: LIST_FIELDS,
      // GitHub's documented secondary limit: 900 points (GETs) a minute.
      pointsPerMinute: scenario.pointsPerMinute ?? 900,
      clock: clock.shared,
      seed: 18,
      ...(app && keys ? { app: { ...app, publicKey: keys.publicKey } } : {}),
    }),
    startPortFakeInWorker({
      blueprints: [
        { identifier: BLUEPRINTS.repository, title: "Repository", schema: { properties: {} } },
        {
          identifier: BLUEPRINTS.pullRequest,
          title: "Pull request",
          schema: { properties: { state: { type: "string" } } },
        },
      ],
      integrations: [{ identifier: INTEGRATION, config: {} }],
      rateLimit: { ...PORT_LIMIT, resetForm: "delay" },
      clock: clock.shared,
    }),
  ]);
  const source = createGitHubSource({
    org: github.login,
    apiUrl: github.url,
    ...(app && keys ? { app: { ...app, privateKey: keys.privateKey } } : { token: github.token }),
    http: { clock },
  });
  const client = new PortClient({
    ...port.credentials,
    baseUrl: port.url,
    integrationId: INTEGRATION,
    integrationType: "github",
    clock,
  });
  return {
    clock,
    github,
    port,
    source,
    client,
    catalog: new PortCatalog(client, INTEGRATION),
    config: loadConfig(CONFIG, "bench-ratelimit.yml"),
    compile: compileResource,
    close: async () => {
      await Promise.all([github.close(), port.close()]);
    },
  };
}

function appKeys(): { privateKey: string; publicKey: string } {
  return generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
}
