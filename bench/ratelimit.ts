/**
 * `npm run bench -- ratelimit`: a first resync of 1,000,000 entities (15,625 repositories and
 * their 63 pull requests each) against fakes that enforce GitHub's primary limit (5,000
 * requests an hour for a token; 15,000 for an App on Enterprise Cloud) and Port's (35,000
 * requests per 5 minutes), through the real local pipeline with 15-minute fanout invocations
 * and their continuations. Time is simulated ({@link SkipClock}): work takes its real time,
 * waits for a limit take none, so the simulated hours come out in minutes.
 */
import { limitFloorMs, minimumPages, runScenario, type ScenarioResult } from "./ratelimit/scenario.ts";
import { HOUR, PORT_LIMIT, type Scenario, type Shape, startRateLimitWorld } from "./ratelimit/world.ts";
import type { BenchRow } from "./row.ts";

const SHAPE: Shape = { repos: 15_625, pullsPerRepo: 63 };
const ENTITIES = SHAPE.repos * (1 + SHAPE.pullsPerRepo);
const SCENARIOS: Scenario[] = [
  { name: "token", perHour: 5_000, app: false },
  { name: "App", perHour: 15_000, app: true },
];
const PER_UPSERT = 20;
const MAX_RATIO = 1.15;
const MAX_PORT_429 = 0.01;
const PULLS_ROUTE = "GET /repos/{owner}/{repo}/pulls";

export async function run(): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  // RATELIMIT_SCENARIO=App runs one of them (each takes its minutes of real processing).
  const only = process.env.RATELIMIT_SCENARIO;
  for (const scenario of SCENARIOS.filter((s) => !only || s.name === only)) {
    const world = await startRateLimitWorld(SHAPE, scenario);
    try {
      rows.push(...scenarioRows(scenario, await runScenario(world, scenario.name)));
    } finally {
      await world.close();
    }
  }
  return rows;
}

const n = (value: number) => value.toLocaleString("en");
const hours = (ms: number) => `${(ms / HOUR).toFixed(2)} h`;
const minutes = (ms: number) => `${(ms / 60_000).toFixed(0)} min`;

function scenarioRows(scenario: Scenario, r: ScenarioResult): BenchRow[] {
  const group = "rate limits";
  const label = `${scenario.name} (GitHub ${n(scenario.perHour)}/h)`;
  const pages = minimumPages(SHAPE);
  const githubFloor = limitFloorMs(pages, scenario.perHour);
  // Port's floor the same way: 5-minute windows of 35,000 requests for ceil(E/20) upserts.
  const upsertsNeeded = Math.ceil(ENTITIES / PER_UPSERT);
  const portFloor = Math.floor((upsertsNeeded - 1) / PORT_LIMIT.limit) * PORT_LIMIT.periodSec * 1000;
  const floor = Math.max(githubFloor, portFloor);
  const ratio = r.simMs / floor;
  const binding = githubFloor >= portFloor ? "GitHub" : "Port";
  const inPort = r.inPort.repositories + r.inPort.pullRequests;
  const pullPages = r.github.okByRoute[PULLS_ROUTE] ?? 0;
  const listingPages = r.github.requests - (r.github.byRoute[PULLS_ROUTE] ?? 0);
  const limited = (r.github.byStatus[403] ?? 0) + (r.github.byStatus[429] ?? 0);
  const portShare = r.port.limited / Math.max(1, r.port.total);
  const exactlyOnce =
    r.run.status === "completed" &&
    pullPages === SHAPE.repos &&
    r.inPort.repositories === SHAPE.repos &&
    r.inPort.pullRequests === SHAPE.repos * SHAPE.pullsPerRepo;
  return [
    {
      group,
      name:
        `${label}: ${n(ENTITIES)} entities (${n(SHAPE.repos)} repos + ${SHAPE.pullsPerRepo} PRs each, ` +
        `${n(pages)} GitHub pages at least), simulated time / binding limit (${binding}: ${hours(githubFloor)} ` +
        `for the last page's window to open; Port's ${n(upsertsNeeded)} upserts: ${minutes(portFloor)})`,
      value: `${hours(r.simMs)} = ${ratio.toFixed(3)}× (${(r.realMs / 1000).toFixed(0)} s real)`,
      target: `≤ ${MAX_RATIO}×`,
      pass: ratio <= MAX_RATIO,
    },
    {
      group,
      name: `${label}: Port 429s / Port requests (busiest 5-minute window: upserts of ${n(PORT_LIMIT.limit)} allowed)`,
      value:
        `${n(r.port.limited)} / ${n(r.port.total)} = ${(portShare * 100).toFixed(2)}% ` +
        `(busiest ${n(r.port.peakPerWindow)})`,
      target: `≤ ${MAX_PORT_429 * 100}%`,
      pass: portShare <= MAX_PORT_429,
    },
    {
      group,
      name:
        `${label}: fanout invocations of 15 min, continuations (after a "slow down" from the source); each ` +
        `resumed where the last stopped: pull-request pages served, entities in Port`,
      value:
        `${r.invocations} invocations, ${r.run.continuations} continuations (${r.slowDowns.length} slow-downs); ` +
        `${n(pullPages)} of ${n(SHAPE.repos)} pages once; ${n(inPort)} of ${n(ENTITIES)} entities`,
      target: "each page once, each entity once",
      pass: exactlyOnce,
    },
    {
      group,
      name: `${label}: GitHub requests used (answered 403/429 for the primary limit)`,
      value:
        `${n(r.github.requests)} = ${n(pages)} needed + ${n(r.github.requests - pages)} ` +
        `(repository listing pages: ${n(listingPages)}); ${n(limited)} limited`,
      target: "",
    },
  ];
}

if (import.meta.main) console.table(await run());
