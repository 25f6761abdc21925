/**
 * Replays real GitHub traffic recorded by `@octokit/fixtures` to the GitHub source: the
 * answers are GitHub's own (headers, Link pagination, a 301 for a renamed repository), not
 * what our fake thinks GitHub says. Each recorded request must be asked for exactly, in order.
 */
import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { createGitHubSource, GitHubClient } from "../../lib/source/github/index.ts";
import { collect, FAST_RETRY } from "./helpers.ts";

interface Recorded {
  method: string;
  path: string;
  status: number;
  response: unknown;
  headers: Record<string, string>;
}

const require = createRequire(import.meta.url);
const scenario = async (name: string): Promise<Recorded[]> =>
  JSON.parse(
    await readFile(
      require.resolve(`@octokit/fixtures/scenarios/api.github.com/${name}/normalized-fixture.json`),
      "utf8",
    ),
  );

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Serves the recorded answers in order, with GitHub's URLs pointed at this server. */
async function replay(recorded: Recorded[]) {
  const asked: string[] = [];
  let next = 0;
  server = createServer((req, res) => {
    asked.push(`${req.method?.toLowerCase()} ${req.url}`);
    const answer = recorded[next++];
    if (!answer || answer.path !== req.url || answer.method !== req.method?.toLowerCase()) {
      res.writeHead(599, { "content-type": "application/json" });
      res.end(JSON.stringify({ message: `not recorded: ${req.method} ${req.url}` }));
      return;
    }
    const rewrite = (text: string) => text.replaceAll("https://api.github.com", url);
    const headers = Object.fromEntries(
      Object.entries(answer.headers).map(([key, value]) => [key, rewrite(String(value))]),
    );
    delete headers["content-length"];
    delete headers["transfer-encoding"];
    res.writeHead(answer.status, headers);
    res.end(answer.status === 204 ? undefined : rewrite(JSON.stringify(answer.response)));
  });
  await new Promise<void>((resolve) => server?.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, asked };
}

describe("replaying GitHub's recorded answers", () => {
  it("paginate-issues: the issue kind follows GitHub's Link headers, resumably, and tags each issue", async () => {
    const recorded = (await scenario("paginate-issues")).map((r, i) => ({
      ...r,
      // The first page was recorded as ?per_page=3; the source asks with its own query. The
      // next pages are asked exactly as GitHub's Link headers said.
      path: i === 0 ? r.path.replace("?per_page=3", "?state=all&per_page=100") : r.path,
    }));
    const { url, asked } = await replay(recorded);
    const source = createGitHubSource({
      org: "octokit-fixture-org",
      apiUrl: url,
      token: "0000000000000000000000000000000000000001",
      http: { retry: FAST_RETRY },
    });
    const pages = await collect(
      source.kinds.issue.pages({ partition: "paginate-issues", selector: { state: "all" } }),
    );
    expect(asked).toEqual(recorded.map((r) => `${r.method} ${r.path}`));
    expect(pages.map((p) => p.items.length)).toEqual([3, 3, 3, 3, 1]);
    expect(pages.map((p) => p.cursor)).toEqual([
      "/repositories/1000/issues?per_page=3&page=2",
      "/repositories/1000/issues?per_page=3&page=3",
      "/repositories/1000/issues?per_page=3&page=4",
      "/repositories/1000/issues?per_page=3&page=5",
      null,
    ]);
    const items = pages.flatMap((p) => p.items) as Array<{ title: string; __repository: string }>;
    expect(items.map((i) => i.title)).toEqual(Array.from({ length: 13 }, (_, i) => `Test issue ${13 - i}`));
    expect(new Set(items.map((i) => i.__repository))).toEqual(new Set(["paginate-issues"]));
    await new Promise<void>((resolve) => server?.close(() => resolve()));

    // A continuation resumes from the second page's cursor: GitHub's third to fifth answers, nothing else.
    const again = await replay(recorded.slice(2));
    const resumed = createGitHubSource({
      org: "octokit-fixture-org",
      apiUrl: again.url,
      token: "0000000000000000000000000000000000000001",
    });
    const rest = await collect(
      resumed.kinds.issue.pages({
        partition: "paginate-issues",
        selector: { state: "all" },
        cursor: pages[1]?.cursor ?? undefined,
      }),
    );
    // (compared by id: the URLs inside point at each replay's own port)
    const ids = (list: unknown[]) => list.map((i) => (i as { id: number }).id);
    expect(ids(rest.flatMap((p) => p.items))).toEqual(ids(items.slice(6)));
  });

  it("rename-repository: a 301 for the old name is followed to the repository's new home", async () => {
    const recorded = (await scenario("rename-repository")).filter((r) => r.method === "get");
    const { url, asked } = await replay(recorded);
    const client = new GitHubClient({ apiUrl: url, token: "0000000000000000000000000000000000000001" });
    const res = await client.get("/repos/octokit-fixture-org/rename-repository");
    expect(asked).toEqual(["get /repos/octokit-fixture-org/rename-repository", "get /repositories/1000"]);
    expect(res.url).toBe(`${url}/repositories/1000`);
    expect(res.body).toMatchObject({ id: 1000, name: "rename-repository-newname" });
  });
});
