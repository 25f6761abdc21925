import type { FakeOrg } from "./model.ts";
import { type Item, issueJson, type Json, type Repo } from "./objects.ts";
import { paginate } from "./protocol.ts";

/**
 * GitHub's issue search, `GET /search/issues`, as its OpenAPI description and its docs define
 * it, for the qualifiers the GitHub source sends: `org:`, `is:pr` / `is:pull-request` /
 * `is:issue`, and `updated:` with `>=`, `>`, `<=`, `<` and a date or an ISO time. Any other
 * word is refused (422), so a query the fake does not model fails loudly rather than matching
 * wrongly. `sort` (created, updated), `order`, `per_page`, `page`; `total_count` counts every
 * match, but only the first 1,000 can be read (422 past them, as on GitHub). Search has its own
 * rate limit: 30 requests a minute, `x-ratelimit-resource: search`, apart from the core one.
 * Also the ordering and `since` parameters of the per-repository pull and issue listings.
 */
type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

const MAX_RESULTS = 1000;
const DOCS = "https://docs.github.com/rest/search/search#search-issues-and-pull-requests";

/** The search's own state: its rate-limit window, and answers to make incomplete. */
export class FakeSearch {
  /** Requests a minute (GitHub: 30 for an authenticated client). */
  perMinute = 30;
  /** The next this many answers say `incomplete_results: true` (GitHub timed out), with what was found. */
  incomplete = 0;
  /** Queries answered, as sent (`q`), for tests to read. */
  readonly queries: string[] = [];
  #window = { used: 0, resetAt: 0 };

  /** The rate-limit headers of this request, counted; undefined headers' `remaining` < 0 means spent. */
  take(now: number): { headers: Record<string, string>; spent: boolean } {
    if (now >= this.#window.resetAt) this.#window = { used: 0, resetAt: now + 60_000 };
    const spent = this.#window.used >= this.perMinute;
    if (!spent) this.#window.used += 1;
    const headers = {
      "x-ratelimit-limit": String(this.perMinute),
      "x-ratelimit-remaining": String(Math.max(0, this.perMinute - this.#window.used)),
      "x-ratelimit-reset": String(Math.ceil(this.#window.resetAt / 1000)),
      "x-ratelimit-used": String(this.#window.used),
      "x-ratelimit-resource": "search",
    };
    return { headers, spent };
  }
}

interface Query {
  org?: string;
  is?: "pr" | "issue";
  updated: Array<(ms: number) => boolean>;
}

/** Answers `GET /search/issues`; false for any other route. */
export function serveSearchRoute(
  org: FakeOrg,
  search: FakeSearch,
  method: string,
  url: URL,
  now: number,
  send: Send,
): boolean {
  if (method !== "GET" || url.pathname !== "/search/issues") return false;
  const { headers, spent } = search.take(now);
  if (spent) {
    const message = "API rate limit exceeded for installation. Wait for the reset.";
    send(403, { message, documentation_url: DOCS }, headers);
    return true;
  }
  const q = url.searchParams;
  const query = parseQuery(q.get("q"));
  const sort = q.get("sort") ?? "created";
  const order = q.get("order") ?? "desc";
  const perPage = Number(q.get("per_page") ?? 30);
  const page = Number(q.get("page") ?? 1);
  const problem =
    typeof query === "string"
      ? query
      : !["created", "updated"].includes(sort)
        ? `sort=${sort} is not modelled by the fake`
        : !["asc", "desc"].includes(order)
          ? `order must be asc or desc`
          : !(
                Number.isInteger(perPage) &&
                perPage >= 1 &&
                perPage <= 100 &&
                Number.isInteger(page) &&
                page >= 1
              )
            ? "per_page must be 1 to 100 and page at least 1"
            : (page - 1) * perPage >= MAX_RESULTS
              ? "Only the first 1000 search results are available"
              : undefined;
  if (problem !== undefined || typeof query === "string") {
    send(422, validationFailed("Search", "q", problem ?? ""), headers);
    return true;
  }
  search.queries.push(q.get("q") ?? "");
  const matches: Array<{ repo: Repo; item: Item }> = [];
  if (query.org?.toLowerCase() === org.login.toLowerCase()) {
    for (const repo of org.listRepos()) {
      for (const item of org.issueItems(repo, "all")) {
        if (query.is === "pr" && !item.isPull) continue;
        if (query.is === "issue" && item.isPull) continue;
        if (query.updated.every((test) => test(item.updatedAt))) matches.push({ repo, item });
      }
    }
  }
  const key = (m: { item: Item }) => (sort === "updated" ? m.item.updatedAt : m.item.createdAt);
  matches.sort((a, b) => (order === "desc" ? key(b) - key(a) : key(a) - key(b)));
  // Links never point past the 1,000th result.
  const readable = matches.slice(0, MAX_RESULTS);
  const slice = paginate(readable, url, "/search/issues", headers);
  const incomplete = search.incomplete > 0;
  if (incomplete) search.incomplete -= 1;
  send(
    200,
    {
      total_count: matches.length,
      incomplete_results: incomplete,
      items: slice.map(({ repo, item }): Json => ({ ...issueJson(org, repo, item), score: 1 })),
      search_type: "lexical",
    },
    headers,
  );
  return true;
}

/** GitHub's `validation-error` body. */
export function validationFailed(resource: string, field: string, message: string): Json {
  return {
    message: "Validation Failed",
    errors: [{ resource, field, code: "invalid", message }],
    documentation_url: DOCS,
  };
}

function parseQuery(q: string | null): Query | string {
  if (!q) return "q is required";
  const query: Query = { updated: [] };
  for (const word of q.trim().split(/\s+/)) {
    const [qualifier, value = ""] = word.split(/:(.*)/s) as [string, string | undefined];
    if (qualifier === "org" && value) query.org = value;
    else if (qualifier === "is" && (value === "pr" || value === "pull-request")) query.is = "pr";
    else if (qualifier === "is" && value === "issue") query.is = "issue";
    else if (qualifier === "updated") {
      const match = /^(>=|<=|>|<)(\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}:\d{2}(?:Z|[+-]\d{2}:\d{2}))?)$/.exec(
        value,
      );
      if (!match) return `updated:${value} is not a date comparison the fake models`;
      const at = Date.parse(match[2] as string);
      const op = match[1];
      query.updated.push((ms) =>
        op === ">=" ? ms >= at : op === ">" ? ms > at : op === "<=" ? ms <= at : ms < at,
      );
    } else return `"${word}" is not a qualifier the fake models`;
  }
  // GitHub Apps must say which (a mixed search answers 422 for them).
  if (!query.is) return "the query must include is:issue or is:pull-request";
  return query;
}

/**
 * The items of a per-repository pull or issue listing in the order and window its query asks:
 * `sort` (created, updated; the rest not modelled), `direction`, and `since` (issues only).
 */
export function orderedItems(items: Item[], q: URLSearchParams, issues: boolean): Item[] | string {
  const sort = q.get("sort") ?? "created";
  const direction = q.get("direction") ?? "desc";
  const since = q.get("since");
  if (!["created", "updated"].includes(sort)) return `sort=${sort} is not modelled by the fake`;
  if (!["asc", "desc"].includes(direction)) return "direction must be asc or desc";
  if (since !== null && (!issues || Number.isNaN(Date.parse(since)))) return "since is not valid here";
  const from = since === null ? undefined : Date.parse(since);
  const key = (i: Item) => (sort === "updated" ? i.updatedAt : i.createdAt);
  return items
    .filter((i) => from === undefined || i.updatedAt >= from)
    .sort((a, b) =>
      direction === "desc" ? key(b) - key(a) || b.number - a.number : key(a) - key(b) || a.number - b.number,
    );
}
