/**
 * A GitHub-shaped server for the memory benchmark: `GET /orgs/{org}/repos` lists `repos`
 * repositories (100 a page, `Link: rel="next"`), and `GET /repos/{org}/{repo}/pulls` answers
 * every repository with the same page of 100 real-shaped pull requests, rendered once by the
 * GitHub fake. Serving a million items then costs this server nothing, so the run measures
 * the fanout (and it takes seconds, not minutes).
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { startGitHubFake } from "../test/fakes/github/index.ts";

export const PULLS_PER_PAGE = 100;
const ORG = "acme";

export interface StaticGitHub {
  url: string;
  org: string;
  token: string;
  /** Bytes of the pull-request page every repository answers with. */
  pageBytes: number;
  close(): Promise<void>;
}

async function pullRequestPage(): Promise<Buffer> {
  const fake = await startGitHubFake({
    org: ORG,
    repos: 1,
    pullsPerRepo: PULLS_PER_PAGE,
    issuesPerRepo: 0,
    seed: 3,
  });
  try {
    const name = fake.org.repoNames()[0] ?? "";
    return Buffer.from(JSON.stringify(fake.org.pulls(name, "all")));
  } finally {
    await fake.close();
  }
}

export async function startStaticGitHub(repos: number): Promise<StaticGitHub> {
  const pulls = await pullRequestPage();
  const listingPages = Math.ceil(repos / 100);
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const listing = /^\/orgs\/[^/]+\/repos$/.test(url.pathname);
    if (!listing && !/^\/repos\/[^/]+\/[^/]+\/pulls$/.test(url.pathname)) {
      res.writeHead(404, { "content-type": "application/json" }).end('{"message":"Not Found"}');
      return;
    }
    if (!listing) {
      res.writeHead(200, { "content-type": "application/json; charset=utf-8" }).end(pulls);
      return;
    }
    const page = Number(url.searchParams.get("page") ?? 1);
    const first = (page - 1) * 100;
    const names = Array.from({ length: Math.max(0, Math.min(100, repos - first)) }, (_, i) => ({
      id: first + i,
      name: `repo-${first + i}`,
      full_name: `${ORG}/repo-${first + i}`,
    }));
    const headers: Record<string, string> = { "content-type": "application/json; charset=utf-8" };
    if (page < listingPages) {
      url.searchParams.set("page", String(page + 1));
      headers.link = `<http://${req.headers.host}${url.pathname}?${url.searchParams}>; rel="next"`;
    }
    res.writeHead(200, headers).end(JSON.stringify(names));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    org: ORG,
    token: "ghp_static_bench",
    pageBytes: pulls.length,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
