/**
 * `npm run bench -- source`: enumerate every pull request of an org through the GitHub source,
 * against the local fake with a fixed latency per page, and compare the wall time with the
 * floor that latency and the partition concurrency allow.
 */

import { request } from "undici";
import { createGitHubSource, type GitHubSource } from "../lib/source/github/index.ts";
import { enumerateKind } from "../lib/source/index.ts";
import type { GitHubFakeStats } from "../test/fakes/github/index.ts";
import { startGitHubFakeWorker } from "../test/fakes/github/worker.ts";
import type { BenchRow } from "./row.ts";

const REPOS = 2_000;
const PULLS_PER_REPO = 10;
const LATENCY_MS = 50;
const PER_PAGE = 100;

/**
 * The fastest any client could go: the repository listing is a serial chain of pages, and
 * at most `concurrency` pull-request pages are in flight at once. Partitions can start as
 * soon as the first listing page arrives, and those of the last listing page only after it.
 */
export function floorMs(repos: number, pagesPerRepo: number, concurrency: number, latencyMs: number): number {
  const listingPages = Math.ceil(repos / PER_PAGE);
  const lastListingPage = repos - (listingPages - 1) * PER_PAGE;
  const afterListing = listingPages + Math.ceil((lastListingPage * pagesPerRepo) / concurrency);
  const throughput = 1 + Math.ceil((repos * pagesPerRepo) / concurrency);
  return latencyMs * Math.max(afterListing, throughput);
}

async function enumerate(source: GitHubSource, concurrency: number): Promise<number> {
  const started = performance.now();
  const result = await enumerateKind(source.kinds["pull-request"], {
    selector: { state: "all" },
    concurrency,
    onPage: () => {},
  });
  const expected = REPOS * PULLS_PER_REPO;
  if (result.items !== expected)
    throw new Error(`enumerated ${result.items} pull requests, expected ${expected}`);
  return performance.now() - started;
}

/**
 * The same requests with undici alone, no source, no retries: what this machine allows
 * right now. When it is far above 1×, the machine is busy and the rows above are too.
 */
async function plainUndici(url: string, org: string, token: string, concurrency: number): Promise<number> {
  const started = performance.now();
  const get = async (path: string) => {
    const res = await request(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    return {
      items: (await res.body.json()) as Array<{ name: string }>,
      link: String(res.headers.link ?? ""),
    };
  };
  const names: string[] = [];
  let listed = false;
  const waiting: Array<() => void> = [];
  const wake = () => {
    for (const resolve of waiting.splice(0)) resolve();
  };
  const list = async () => {
    for (let next: string | undefined = `/orgs/${org}/repos?per_page=${PER_PAGE}`; next; ) {
      const { items, link } = await get(next);
      names.push(...items.map((r) => r.name));
      next = /<[^>]*?(\/organizations[^>]*)>; rel="next"/.exec(link)?.[1];
      wake();
    }
    listed = true;
    wake();
  };
  let head = 0;
  const work = async () => {
    for (;;) {
      const name = names[head];
      if (name !== undefined) {
        head += 1;
        await get(`/repos/${org}/${name}/pulls?state=all&per_page=${PER_PAGE}`);
      } else if (listed) return;
      else await new Promise<void>((resolve) => waiting.push(resolve));
    }
  };
  await Promise.all([list(), ...Array.from({ length: concurrency }, work)]);
  return performance.now() - started;
}

async function measure(concurrency: number): Promise<BenchRow[]> {
  // The fake runs in its own thread and keeps each page it rendered: a first, untimed pass
  // warms it and the client's JIT, so the timed pass measures the client, not the fake.
  const fake = await startGitHubFakeWorker({
    repos: REPOS,
    pullsPerRepo: PULLS_PER_REPO,
    issuesPerRepo: 0,
    latencyMs: LATENCY_MS,
    rateLimit: { limit: 1_000_000 },
    cacheResponses: true,
    seed: 11,
  });
  let wall: number;
  let stats: GitHubFakeStats;
  let baseline: number;
  try {
    // GITHUB_MAX_CONCURRENCY raised to the partitions: the client's default of 10 in flight
    // would otherwise be what is measured, whatever the partitions.
    const source = createGitHubSource({
      org: fake.login,
      apiUrl: fake.url,
      token: fake.token,
      http: { maxConcurrency: concurrency },
    });
    await enumerate(source, concurrency);
    const before = (await fake.stats()).requests;
    wall = await enumerate(source, concurrency);
    stats = await fake.stats();
    stats.requests -= before;
    baseline = await plainUndici(fake.url, fake.login, fake.token, concurrency);
  } finally {
    await fake.close();
  }
  const floor = floorMs(REPOS, Math.ceil(PULLS_PER_REPO / PER_PAGE), concurrency, LATENCY_MS);
  const ratio = wall / floor;
  const label = `${REPOS.toLocaleString("en")} repos × ${PULLS_PER_REPO} PRs, ${LATENCY_MS} ms/page, ${concurrency} partitions at once`;
  return [
    {
      group: "source",
      name: `${label}: wall / floor (${(floor / 1000).toFixed(2)} s)`,
      value: `${(wall / 1000).toFixed(2)} s = ${ratio.toFixed(3)}×`,
      target: "≤ 1.15×",
      pass: ratio <= 1.15,
    },
    {
      group: "source",
      name: `${label}: plain undici, same requests (this machine's own overhead)`,
      value: `${(baseline / 1000).toFixed(2)} s = ${(baseline / floor).toFixed(3)}×`,
      target: "",
    },
    {
      group: "source",
      name: `${label}: requests (peak in flight)`,
      value: `${stats.requests.toLocaleString("en")} (${stats.maxInFlight})`,
      target: "",
    },
  ];
}

export async function run(): Promise<BenchRow[]> {
  return [...(await measure(32)), ...(await measure(64))];
}

if (import.meta.main) console.table(await run());
