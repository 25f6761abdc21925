import { createHash, createPublicKey, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { serveLiveRoute } from "./live-routes.ts";
import { FakeOrg, type ItemState, type OrgOptions } from "./model.ts";
import { type Item, issueJson, pullJson } from "./objects.ts";
import { CicdModel, type CicdOptions } from "./objects-cicd.ts";
import { checkJwt, paginate, type Route, routeOf } from "./protocol.ts";
import { stream } from "./random.ts";
import { cicdRouteOf, serveCicdRoute } from "./routes-cicd.ts";
import { FakeContents, serveContentRoute } from "./routes-content.ts";
import { FakeSearch, orderedItems, serveSearchRoute, validationFailed } from "./routes-search.ts";
import { FakeSecurity, type SecurityOptions, serveSecurityRoute } from "./routes-security.ts";

export interface GitHubFakeOptions extends OrgOptions, SecurityOptions {
  /** Accepted personal access tokens. Default `["ghp_fake_token"]`. */
  tokens?: string[];
  /** A GitHub App installed on the org: its JWTs are verified with `publicKey`. */
  app?: { appId: string; publicKey: KeyObject | string; installationId: number; tokenTtlMs?: number };
  /** Added to every response. */
  latencyMs?: number;
  /** Share of API requests answered 502, drawn from the seed. */
  serverErrorRate?: number;
  /** Share of API requests answered with a secondary rate limit (403 + `retry-after`). */
  secondaryLimitRate?: number;
  /**
   * Keep each list page's JSON once rendered (until the org changes): for benchmarks that
   * read the same org twice and measure the client, not the fake. Costs memory.
   */
  cacheResponses?: boolean;
  /** Workflows, runs, releases, tags, branches, environments, deployments, members: how many. */
  cicd?: CicdOptions;
  /** The primary limit: requests per window. Default 15,000 per hour (an App on Enterprise Cloud). */
  rateLimit?: { limit?: number; windowMs?: number };
  /**
   * Repositories and pull requests in lists carry only these fields: for benchmarks that move
   * a million items and measure the pipeline's pacing, not JSON parsing.
   */
  listFields?: string[];
  /**
   * GitHub's secondary limit on REST points: at most this many a minute (GitHub documents 900;
   * a GET costs 1 point, a write 5). Past it: 403, `retry-after` until the minute ends. Off by default.
   */
  pointsPerMinute?: number;
}

export interface Fault {
  status: number;
  /** How many matching requests get it. Default 1. */
  times?: number;
  /** Only requests whose path matches. */
  match?: RegExp;
  headers?: Record<string, string>;
  message?: string;
  /**
   * The body, sent as is instead of `{ message }`: an HTML error page, truncated JSON, a body
   * of the wrong shape. Set `content-type` in `headers` to match (default JSON's).
   */
  body?: string;
}

export interface GitHubFakeStats {
  requests: number;
  /** By route, e.g. `GET /repos/{owner}/{repo}/pulls`. */
  byRoute: Record<string, number>;
  /** Answers 200 by route: a page served twice shows here, a limited request does not. */
  okByRoute: Record<string, number>;
  inFlight: number;
  maxInFlight: number;
  /** Requests in flight integrated over time (ms): over an interval, ÷ its length is the mean in flight. */
  inFlightMs: number;
  installationTokens: number;
  /** Answers by status, e.g. `{ 200: 40, 403: 1 }`. */
  byStatus: Record<number, number>;
}

export interface GitHubFake {
  /** The API URL to give the source (`GITHUB_API_URL`). */
  url: string;
  /** A token the fake accepts (`GITHUB_TOKEN`). */
  token: string;
  org: FakeOrg;
  /** The repositories' Dependabot, code scanning and secret scanning alerts. */
  security: FakeSecurity;
  /** The repositories' files (git trees, contents, blobs); none at first. */
  contents: FakeContents;
  /** The org's CI/CD, release and ownership data (the ground truth of those kinds). */
  cicd: CicdModel;
  /** The organization's webhooks, as `POST /orgs/{org}/hooks` created them. */
  hooks: Array<Record<string, unknown>>;
  /** Issue search (`/search/issues`): its own rate limit, incomplete answers on demand. */
  search: FakeSearch;
  stats: GitHubFakeStats;
  latencyMs: number;
  serverErrorRate: number;
  secondaryLimitRate: number;
  /** The next matching requests fail with this status. */
  inject(fault: Fault): void;
  /**
   * The next `times` requests hit a secondary rate limit: 403 (or 429) with `retry-after`, or
   * without it when `retryAfterSec` is null (as GitHub often answers).
   */
  secondaryLimit(options?: {
    times?: number;
    retryAfterSec?: number | null;
    status?: 403 | 429;
    match?: RegExp;
  }): void;
  /** Spends the primary limit: requests get 403 (or 429) with `x-ratelimit-remaining: 0` until the reset. */
  exhaustRateLimit(options: { resetInMs: number; status?: 403 | 429 }): void;
  /** Invalidates every installation token issued so far. */
  revokeInstallationTokens(): void;
  resetStats(): void;
  close(): Promise<void>;
}

const NOT_FOUND = { message: "Not Found", documentation_url: "https://docs.github.com/rest" };

/**
 * Starts a local GitHub REST API on 127.0.0.1 for one organization.
 *
 * @example
 * const fake = await startGitHubFake({ repos: 250, pullsPerRepo: 12, seed: 7 });
 * const source = createGitHubSource({ org: fake.org.login, apiUrl: fake.url, token: fake.token });
 * await fake.close();
 */
export async function startGitHubFake(options: GitHubFakeOptions = {}): Promise<GitHubFake> {
  const now = options.now ?? Date.now;
  const org = new FakeOrg(options);
  const tokens = new Set(options.tokens ?? ["ghp_fake_token"]);
  const installationTokens = new Map<string, number>();
  const publicKey = options.app ? createPublicKey(options.app.publicKey) : undefined;
  const random = stream((options.seed ?? 1) * 7919);
  const faults: Fault[] = [];
  const cache = new Map<string, { version: number; body: Rendered; link: string | undefined }>();
  const limit = {
    max: options.rateLimit?.limit ?? 15_000,
    windowMs: options.rateLimit?.windowMs ?? 3_600_000,
  };
  // The first window opens with the first request (resetAt 0: already over), as GitHub's does.
  let window = { remaining: limit.max, resetAt: 0, status: 403 };

  const fake: GitHubFake = {
    url: "",
    token: [...tokens][0] ?? "",
    org,
    security: new FakeSecurity(org, options),
    contents: new FakeContents(org),
    cicd: new CicdModel(org, options.cicd),
    hooks: [],
    search: new FakeSearch(),
    stats: emptyStats(),
    latencyMs: options.latencyMs ?? 0,
    serverErrorRate: options.serverErrorRate ?? 0,
    secondaryLimitRate: options.secondaryLimitRate ?? 0,
    inject: (fault) => faults.push({ ...fault }),
    secondaryLimit: ({ times = 1, retryAfterSec = 1, status = 403, match } = {}) =>
      faults.push({
        status,
        times,
        match,
        headers: retryAfterSec === null ? {} : { "retry-after": String(retryAfterSec) },
        body: JSON.stringify({ message: SECONDARY, documentation_url: SECONDARY_DOCS }),
      }),
    exhaustRateLimit: ({ resetInMs, status = 403 }) => {
      window = { remaining: 0, resetAt: now() + resetInMs, status };
    },
    revokeInstallationTokens: () => installationTokens.clear(),
    resetStats: () => {
      fake.stats = { ...emptyStats(), inFlight: fake.stats.inFlight };
    },
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };

  // The points window of the secondary limit: a minute from its first request.
  let points = { used: 0, endsAt: 0 };
  /** Spends a request's points; when over the minute's allowance, the seconds until it ends. */
  const spendPoints = (cost: number): number | undefined => {
    const perMinute = options.pointsPerMinute;
    if (!perMinute) return undefined;
    if (now() >= points.endsAt) points = { used: 0, endsAt: now() + 60_000 };
    if (points.used + cost > perMinute) return Math.max(1, Math.ceil((points.endsAt - now()) / 1000));
    points.used += cost;
    return undefined;
  };

  const rateHeaders = (): Record<string, string> => {
    if (now() >= window.resetAt)
      window = { remaining: limit.max, resetAt: now() + limit.windowMs, status: 403 };
    return {
      "x-ratelimit-limit": String(limit.max),
      "x-ratelimit-remaining": String(Math.max(0, window.remaining)),
      "x-ratelimit-reset": String(Math.ceil(window.resetAt / 1000)),
      "x-ratelimit-used": String(limit.max - Math.max(0, window.remaining)),
      "x-ratelimit-resource": "core",
    };
  };

  const handle = async (req: IncomingMessage, res: ServerResponse, requestBody: string) => {
    const arrived = performance.now();
    let reply: { status: number; headers: Record<string, string>; body: string } | undefined;
    const send: Send = (status, body, headers = {}) => {
      reply = { status, headers, body: body instanceof Rendered ? body.text : JSON.stringify(body) };
    };
    const name = respond(req, send, requestBody);
    // The answer is prepared first and sent once the latency has passed, so that `latencyMs`
    // is the whole time GitHub takes, as a client sees it, however busy this thread is.
    const wait = fake.latencyMs - (performance.now() - arrived);
    if (wait > 0) await sleep(wait);
    let { status, headers, body } = reply ?? { status: 500, headers: {}, body: "{}" };
    if (status === 200 && req.method === "GET") {
      // GitHub's conditional requests: a weak ETag on every answer; a 304 (not counted against
      // the rate limit) when If-None-Match names the current one.
      const etag = `W/"${createHash("sha256").update(body).digest("hex").slice(0, 40)}"`;
      headers = { ...headers, etag };
      const asked = req.headers["if-none-match"]?.split(",").map((tag) => tag.trim());
      if (asked?.includes(etag) || asked?.includes(etag.slice(2))) {
        status = 304;
        body = "";
        window.remaining += 1;
        headers = { ...headers, "x-ratelimit-remaining": String(window.remaining) };
      }
    }
    fake.stats.byStatus[status] = (fake.stats.byStatus[status] ?? 0) + 1;
    if (status === 200) fake.stats.okByRoute[name] = (fake.stats.okByRoute[name] ?? 0) + 1;
    res.writeHead(status, {
      ...(status === 304 ? {} : { "content-type": "application/json; charset=utf-8" }),
      "x-github-request-id": `FAKE:${fake.stats.requests}`,
      ...headers,
    });
    res.end(body);
  };

  /** Answers through `send`; returns the route's name. */
  const respond = (req: IncomingMessage, send: Send, requestBody: string): string => {
    const url = new URL(req.url ?? "/", `http://${req.headers.host}`);
    const cicdRoute = cicdRouteOf(req.method ?? "GET", url.pathname);
    const route = cicdRoute ?? routeOf(req.method ?? "GET", url.pathname);
    answer(req, url, route, cicdRoute !== undefined, send, requestBody);
    return route.name;
  };

  const answer = (
    req: IncomingMessage,
    url: URL,
    route: Route,
    cicdRoute: boolean,
    send: Send,
    requestBody: string,
  ) => {
    fake.stats.requests += 1;
    fake.stats.byRoute[route.name] = (fake.stats.byRoute[route.name] ?? 0) + 1;
    if (route.name === "POST /app/installations/{id}/access_tokens") {
      return issueInstallationToken(req, route.params.id ?? "", send);
    }
    const auth = /^(?:token|bearer)\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const expires = auth === undefined ? undefined : installationTokens.get(auth);
    if (auth === undefined || (!tokens.has(auth) && !(expires !== undefined && expires > now()))) {
      return send(401, {
        message: "Bad credentials",
        documentation_url: "https://docs.github.com/rest",
        status: "401",
      });
    }
    const headers = rateHeaders();
    const fault = takeFault(url.pathname);
    if (fault)
      return send(
        fault.status,
        fault.body !== undefined ? new Rendered(fault.body) : { message: fault.message ?? "Injected fault" },
        { ...headers, ...fault.headers },
      );
    if (fake.serverErrorRate > 0 && random() < fake.serverErrorRate)
      return send(502, { message: "Server Error" });
    if (fake.secondaryLimitRate > 0 && random() < fake.secondaryLimitRate) {
      return send(403, { message: SECONDARY }, { ...headers, "retry-after": "1" });
    }
    const overPoints = spendPoints(req.method === "GET" || req.method === "HEAD" ? 1 : 5);
    if (overPoints !== undefined) {
      const body = { message: SECONDARY, documentation_url: SECONDARY_DOCS };
      return send(403, body, { ...headers, "retry-after": String(overPoints) });
    }
    // Search counts against its own limit, not the core one.
    if (serveSearchRoute(org, fake.search, req.method ?? "GET", url, now(), send)) return;
    if (window.remaining <= 0) {
      const message = "API rate limit exceeded for installation. Wait for the reset.";
      return send(window.status, { message }, headers);
    }
    window.remaining -= 1;
    Object.assign(headers, rateHeaders());
    if (cicdRoute && serveCicdRoute(org, fake.cicd, route, url, headers, send)) return;
    if (serveLiveRoute(org, fake, route, url, requestBody, headers, send)) return;
    if (serveSecurityRoute(fake.security, org, url, req.method ?? "GET", headers, send)) return;
    if (serveContentRoute(fake.contents, org, url, req.method ?? "GET", headers, send)) return;
    if (!options.cacheResponses) return serveApi(route, url, headers, send);
    const key = `${url.pathname}${url.search}`;
    const hit = cache.get(key);
    if (hit?.version === org.version) {
      if (hit.link) headers.link = hit.link;
      return send(200, hit.body, headers);
    }
    serveApi(route, url, headers, (status, body, answerHeaders = {}) => {
      const rendered = new Rendered(JSON.stringify(body));
      if (status === 200) cache.set(key, { version: org.version, body: rendered, link: answerHeaders.link });
      send(status, rendered, answerHeaders);
    });
  };

  const issueInstallationToken = (req: IncomingMessage, id: string, send: Send) => {
    const jwt = /^bearer\s+(.+)$/i.exec(req.headers.authorization ?? "")?.[1];
    const problem =
      !options.app || !publicKey ? "no App" : checkJwt(jwt, publicKey, options.app.appId, now());
    if (problem) return send(401, { message: `A JSON web token could not be decoded: ${problem}` });
    if (String(options.app?.installationId) !== id) return send(404, NOT_FOUND);
    fake.stats.installationTokens += 1;
    const token = `ghs_fake${fake.stats.installationTokens}x${Math.floor(random() * 1e9).toString(36)}`;
    const expiresAt = Math.floor((now() + (options.app?.tokenTtlMs ?? 3_600_000)) / 1000) * 1000;
    installationTokens.set(token, expiresAt);
    const expires_at = new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z");
    send(201, {
      token,
      expires_at,
      permissions: { metadata: "read", pull_requests: "read", issues: "read", members: "read" },
      repository_selection: "all",
    });
  };

  const serveApi = (route: Route, url: URL, headers: Record<string, string>, send: Send) => {
    const q = url.searchParams;
    const { params } = route;
    const isOrg =
      params.org !== undefined
        ? params.org.toLowerCase() === org.login.toLowerCase()
        : params.orgId === String(org.id);
    switch (route.name) {
      case "GET /orgs/{org}/repos":
      case "GET /organizations/{id}/repos": {
        if (!isOrg) return send(404, NOT_FOUND, headers);
        const repos = org.listRepos(
          q.get("type") ?? "all",
          q.get("sort") ?? "created",
          q.get("direction") ?? undefined,
        );
        const page = paginate(repos, url, `/organizations/${org.id}/repos`, headers);
        return send(
          200,
          page.map((r) => slim(org.repoJson(r))),
          headers,
        );
      }
      case "GET /orgs/{org}/teams":
      case "GET /organizations/{id}/teams": {
        if (!isOrg) return send(404, NOT_FOUND, headers);
        return send(200, paginate(org.teams(), url, `/organizations/${org.id}/teams`, headers), headers);
      }
      case "GET /repos/{owner}/{repo}":
      case "GET /repos/{owner}/{repo}/pulls":
      case "GET /repos/{owner}/{repo}/issues":
      case "GET /repositories/{id}":
      case "GET /repositories/{id}/pulls":
      case "GET /repositories/{id}/issues": {
        const byName = params.repo !== undefined;
        if (byName && params.owner?.toLowerCase() !== org.login.toLowerCase())
          return send(404, NOT_FOUND, headers);
        const found = org.findRepo(byName ? (params.repo ?? "") : Number(params.id));
        if (found.redirectTo !== undefined) {
          const rest = route.name.endsWith("/pulls")
            ? "/pulls"
            : route.name.endsWith("/issues")
              ? "/issues"
              : "";
          const location = `${url.origin}/repositories/${found.redirectTo}${rest}${url.search}`;
          return send(301, { message: "Moved Permanently", url: location }, { ...headers, location });
        }
        const repo = found.repo;
        if (!repo) return send(404, NOT_FOUND, headers);
        if (repo.blocked) {
          const { status, block } = repo.blocked;
          return send(status, { message: "Repository access blocked", block }, headers);
        }
        if (route.name.endsWith("/issues") && repo.issuesOff) {
          const message = "Issues are disabled for this repo";
          return send(410, { message, documentation_url: "https://docs.github.com/v3/issues/" }, headers);
        }
        const state = (q.get("state") ?? "open") as ItemState;
        if (!["open", "closed", "all"].includes(state))
          return send(422, { message: "Validation Failed" }, headers);
        const base = `/repositories/${repo.id}`;
        const ordered = (items: Item[], issues: boolean) =>
          ["sort", "direction", "since"].some((p) => q.has(p)) ? orderedItems(items, q, issues) : items;
        const pulls = route.name.endsWith("/pulls") ? ordered(org.pullItems(repo, state), false) : [];
        const issues = route.name.endsWith("/issues") ? ordered(org.issueItems(repo, state), true) : [];
        for (const listed of [pulls, issues])
          if (typeof listed === "string")
            return send(422, validationFailed("Issue", "sort", listed), headers);
        if (route.name.endsWith("/pulls")) {
          const page = paginate(pulls as Item[], url, `${base}/pulls`, headers);
          return send(
            200,
            page.map((i) => slim(pullJson(org, repo, i))),
            headers,
          );
        }
        if (route.name.endsWith("/issues")) {
          const page = paginate(issues as Item[], url, `${base}/issues`, headers);
          return send(
            200,
            page.map((i) => issueJson(org, repo, i)),
            headers,
          );
        }
        // One repository: the listing's fields and the counts only `GET /repos/{owner}/{repo}` gives.
        const watchers = org.repoJson(repo).watchers_count;
        return send(200, { ...org.repoJson(repo), network_count: 0, subscribers_count: watchers }, headers);
      }
      default:
        return send(404, NOT_FOUND, headers);
    }
  };

  const slim = (item: Record<string, unknown>) =>
    options.listFields ? Object.fromEntries(options.listFields.map((f) => [f, item[f]])) : item;

  const takeFault = (path: string): Fault | undefined => {
    const index = faults.findIndex((f) => !f.match || f.match.test(path));
    const fault = faults[index];
    if (!fault) return undefined;
    fault.times = (fault.times ?? 1) - 1;
    if (fault.times <= 0) faults.splice(index, 1);
    return fault;
  };

  let changedAt = performance.now();
  const inFlightBy = (delta: number) => {
    const at = performance.now();
    fake.stats.inFlightMs += fake.stats.inFlight * (at - changedAt);
    changedAt = at;
    fake.stats.inFlight += delta;
  };
  const server = createServer((req, res) => {
    inFlightBy(1);
    fake.stats.maxInFlight = Math.max(fake.stats.maxInFlight, fake.stats.inFlight);
    res.on("close", () => inFlightBy(-1));
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      handle(req, res, Buffer.concat(chunks).toString("utf8")).catch((error: unknown) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
        res.end(JSON.stringify({ message: `fake GitHub: ${(error as Error).message}` }));
      });
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  org.apiUrl = fake.url;
  return fake;
}

type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

/** A body already serialized, sent as is. */
class Rendered {
  readonly text: string;
  constructor(text: string) {
    this.text = text;
  }
}
const SECONDARY =
  "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID FAKE.";
const SECONDARY_DOCS =
  "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits";

function emptyStats(): GitHubFakeStats {
  return {
    requests: 0,
    byRoute: {},
    okByRoute: {},
    inFlight: 0,
    maxInFlight: 0,
    inFlightMs: 0,
    installationTokens: 0,
    byStatus: {},
  };
}
