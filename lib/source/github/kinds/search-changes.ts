import { header } from "../../../http/index.ts";
import { SourceHttpError } from "../../errors.ts";
import { parseLinkHeader } from "../../paginate/link.ts";
import type { Cursor, Page, PageOptions } from "../../types.ts";
import { GitHubHttpError } from "../client.ts";
import { timeOf } from "./changes.ts";
import { PER_PAGE } from "./lists.ts";
import { type GitHubKindContext, type RawItem, repoNameOf, reposPath } from "./shared.ts";

/** GitHub's search answers at most this many results of a query (page 11 of 100 answers 422). */
export const SEARCH_MAX_RESULTS = 1000;

/** What the changes of `pull-request` or `issue` need of their kind. */
export interface SearchChangesSpec {
  kind: string;
  /** The search qualifier: `is:pr` or `is:issue`. */
  is: "pr" | "issue";
  /** The selector's `state`, as the full listing asks for it. */
  state: "open" | "closed" | "all";
  /** The per-repository listing (below `/repos/{org}/{repo}/`), newest change first, at or after `since`. */
  listing(since: string): string;
  /** Repositories the full listing reads (issues: those with issues on). */
  wanted?(repo: RawItem): boolean;
  /** A search result as the full listing yields the item (a pull request is fetched), or undefined. */
  fromSearch(hit: RawItem, repo: string, options: PageOptions): Promise<RawItem | undefined>;
  /** An item of the per-repository listing as the full listing yields it, or undefined. */
  shape(item: RawItem, repo: string): RawItem | undefined;
}

type SearchCursor = { search: string };
/** The fallback's place: a page of the org's repositories, the last repository begun, and its next page. */
type ReposCursor = { repos: string; repo?: string; next?: string | null };

/**
 * The changes of `pull-request` or `issue` since `since`: GitHub's search,
 * `GET /search/issues?q=org:ORG is:pr updated:>=SINCE&sort=updated&order=desc`, each result
 * shaped as the full listing yields it. Search answers at most 1,000 results and may answer
 * `incomplete_results: true` (it timed out): then, and on a 422, the changes are read from
 * every repository's own listing instead, newest change first and stopped at the cutoff, so
 * no change is missed. Search has its own rate limit (30 requests a minute), which the
 * client paces apart from the others.
 *
 * @example
 * for await (const page of searchChanges(ctx, spec, "2026-12-01T09:55:00Z")) upsert(page.items);
 */
export async function* searchChanges(
  ctx: GitHubKindContext,
  spec: SearchChangesSpec,
  since: string,
  options: PageOptions = {},
): AsyncGenerator<Page> {
  const at = options.cursor as Partial<SearchCursor & ReposCursor> | undefined;
  if (at !== undefined && typeof at?.search !== "string" && typeof at?.repos !== "string")
    throw new TypeError(`kind ${spec.kind}: not a cursor of its changes: ${JSON.stringify(at)}`);
  if (typeof at?.repos !== "string") {
    const complete = yield* searched(ctx, spec, since, options, at?.search);
    if (complete) return;
    ctx.warn(`github: search of ${spec.kind} changes was incomplete: reading every repository instead`, {
      kind: spec.kind,
    });
  }
  yield* perRepository(
    ctx,
    spec,
    since,
    options,
    typeof at?.repos === "string" ? (at as ReposCursor) : undefined,
  );
}

/** The search's pages; false (nothing more yielded) when its answers cannot be trusted to be whole. */
async function* searched(
  ctx: GitHubKindContext,
  spec: SearchChangesSpec,
  since: string,
  options: PageOptions,
  resume: string | undefined,
): AsyncGenerator<Page, boolean> {
  const { signal, waitBudgetMs } = options;
  // Whole seconds, rounded down: GitHub's qualifier takes `YYYY-MM-DDTHH:MM:SSZ`.
  const from = `${new Date(Date.parse(since)).toISOString().slice(0, 19)}Z`;
  const q = `org:${ctx.org} is:${spec.is} updated:>=${from}`;
  const selected = await selectedRepos(ctx, spec.kind, options);
  let url: string | undefined =
    resume ?? `/search/issues?q=${encodeURIComponent(q)}&sort=updated&order=desc&per_page=${PER_PAGE}`;
  while (url !== undefined) {
    signal?.throwIfAborted();
    let answer: Awaited<ReturnType<typeof ctx.client.get>>;
    try {
      answer = await ctx.client.get(url, { signal, waitBudgetMs });
    } catch (error) {
      // 422: past the 1,000th result (more changed while it was read), or a query refused.
      if (error instanceof SourceHttpError && error.status === 422) return false;
      throw error;
    }
    const body = answer.body as { total_count?: unknown; incomplete_results?: unknown; items?: unknown };
    if (!Array.isArray(body?.items))
      throw new TypeError(`kind ${spec.kind}: GET /search/issues did not return { items: [...] }`);
    if (body.incomplete_results !== false || Number(body.total_count) > SEARCH_MAX_RESULTS) return false;
    const link = header(answer.headers, "link");
    const next = link ? parseLinkHeader(link).next : undefined;
    const hits = (body.items as RawItem[]).filter((hit) => spec.state === "all" || hit.state === spec.state);
    const items = await Promise.all(
      hits.map(async (hit) => {
        const repo = repoNameOf(hit.repository_url);
        if (repo === undefined || (selected && !selected.has(repo))) return undefined;
        return spec.fromSearch(hit, repo, options);
      }),
    );
    url = next;
    yield {
      items: items.filter((item) => item !== undefined),
      cursor: next === undefined ? null : { search: ctx.client.toCursor(next) },
    };
  }
  return true;
}

/**
 * The names of the repositories of the selector's `repositoryType`, as the full listing reads
 * them; undefined for all of them (search covers the whole org).
 */
async function selectedRepos(
  ctx: GitHubKindContext,
  kind: string,
  options: PageOptions,
): Promise<Set<string> | undefined> {
  const path = reposPath(ctx, kind, options);
  if ((options.selector?.repositoryType ?? "all") === "all") return undefined;
  const names = new Set<string>();
  const { signal, waitBudgetMs } = options;
  for await (const repo of ctx.listings.repos(path, { signal, waitBudgetMs }))
    if (repo.name) names.add(repo.name);
  return names;
}

/** Every repository's listing of its items, newest change first, each stopped at the cutoff. */
async function* perRepository(
  ctx: GitHubKindContext,
  spec: SearchChangesSpec,
  since: string,
  options: PageOptions,
  resume: ReposCursor | undefined,
): AsyncGenerator<Page> {
  const { signal, waitBudgetMs } = options;
  const cutoff = Date.parse(since);
  let page: string | undefined = resume?.repos ?? reposPath(ctx, spec.kind, options);
  while (page !== undefined) {
    signal?.throwIfAborted();
    const { body, headers } = await ctx.client.get(page, { signal, waitBudgetMs });
    if (!Array.isArray(body))
      throw new TypeError(`kind ${spec.kind}: GET ${page.split("?")[0]} did not return a list`);
    const repos = body as RawItem[];
    const names = repos.map((r) => (typeof r?.name === "string" ? r.name : ""));
    // Resumes after the last repository begun; one no longer on this page starts the page again.
    const begun = resume?.repo === undefined ? -1 : names.indexOf(resume.repo);
    let start = begun < 0 ? 0 : resume?.next ? begun : begun + 1;
    for (; start < repos.length; start++) {
      const repo = names[start] as string;
      if (repo === "" || !(spec.wanted?.(repos[start] as RawItem) ?? true)) continue;
      const base = `/repos/${encodeURIComponent(ctx.org)}/${encodeURIComponent(repo)}/`;
      let url: string | undefined =
        resume?.repo === repo && resume.next
          ? resume.next
          : `${base}${spec.listing(since)}&per_page=${PER_PAGE}`;
      resume = undefined;
      while (url !== undefined) {
        let answer: Awaited<ReturnType<typeof ctx.client.get>>;
        try {
          answer = await ctx.client.get(url, { signal, waitBudgetMs });
        } catch (error) {
          // Gone (404), feature off (410) or blocked by GitHub (451, 403 with a block): nothing
          // of it to upsert now. Any other refusal fails the kind, as in a full resync.
          const status = error instanceof SourceHttpError ? error.status : undefined;
          const blocked =
            status === 451 ||
            (status === 403 && error instanceof GitHubHttpError && error.block !== undefined);
          if (!blocked && status !== 404 && status !== 410) throw error;
          ctx.warn(`github: skipped repository ${ctx.org}/${repo} for kind ${spec.kind} changes`, {
            repository: repo,
            kind: spec.kind,
            status,
          });
          break;
        }
        if (!Array.isArray(answer.body))
          throw new TypeError(`kind ${spec.kind}: GET ${url.split("?")[0]} did not return a list`);
        const listed = answer.body as RawItem[];
        const fresh = listed.filter((item) => timeOf(item?.updated_at) >= cutoff);
        const link = header(answer.headers, "link");
        const next = fresh.length < listed.length || !link ? undefined : parseLinkHeader(link).next;
        url = next;
        const cursor: Cursor = {
          repos: ctx.client.toCursor(page),
          repo,
          next: next && ctx.client.toCursor(next),
        };
        yield { items: fresh.flatMap((item) => spec.shape(item, repo) ?? []), cursor };
      }
    }
    const link = header(headers, "link");
    page = link ? parseLinkHeader(link).next : undefined;
    resume = undefined;
  }
  yield { items: [], cursor: null };
}
