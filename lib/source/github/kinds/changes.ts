import { header } from "../../../http/index.ts";
import { parseLinkHeader } from "../../paginate/link.ts";
import type { Cursor, Page, PageOptions } from "../../types.ts";
import { type GitHubKindContext, type RawItem, reposPath } from "./shared.ts";

/** Where a listing of changes resumes: which listing, and its next page. */
interface SortedCursor {
  sort: "updated" | "pushed";
  next: string;
}

/** An ISO time as epoch ms; `NaN` (never at or after a cutoff) when absent or unreadable. */
export const timeOf = (value: unknown): number =>
  typeof value === "string" ? Date.parse(value) : Number.NaN;

/**
 * The `repository` kind's changes: the org's repositories updated or pushed to at or after
 * `since`. `GET /orgs/{org}/repos?sort=updated&direction=desc`, then `sort=pushed`: a push
 * (a README edited) moves `pushed_at`, not always `updated_at`. Each listing stops at its
 * first page that reaches back past the cutoff. The second yields only what the first could
 * not (pushed since, but not updated since), so the two make a union by id. The listing's
 * `repositoryType` is the kind's, as in a full resync.
 *
 * A repository that changes while the listing is read moves to its top and may be passed
 * over: its change is after this run's start, so the next incremental run sees it.
 *
 * @example
 * for await (const page of repositoryChanges(ctx, "2026-12-01T09:55:00Z")) upsert(page.items);
 */
export async function* repositoryChanges(
  ctx: GitHubKindContext,
  since: string,
  options: PageOptions = {},
): AsyncGenerator<Page> {
  const { signal, waitBudgetMs } = options;
  const cutoff = Date.parse(since);
  const first = (sort: SortedCursor["sort"]) =>
    `${reposPath(ctx, "repository", options)}&sort=${sort}&direction=desc`;
  const at = readCursor("repository", options.cursor);
  const sorts = at?.sort === "pushed" ? (["pushed"] as const) : (["updated", "pushed"] as const);
  for (const sort of sorts) {
    let url: string | undefined = at?.sort === sort ? at.next : first(sort);
    while (url !== undefined) {
      signal?.throwIfAborted();
      const { body, headers } = await ctx.client.get(url, { signal, waitBudgetMs });
      if (!Array.isArray(body))
        throw new TypeError(`kind repository: GET ${url.split("?")[0]} did not return a list`);
      const repos = body as RawItem[];
      const fresh = repos.filter((r) => timeOf(r[sort === "updated" ? "updated_at" : "pushed_at"]) >= cutoff);
      const items = sort === "updated" ? fresh : fresh.filter((r) => !(timeOf(r.updated_at) >= cutoff));
      // Sorted newest first: once an item is older than the cutoff, so is the rest.
      const link = header(headers, "link");
      const next = fresh.length < repos.length || !link ? undefined : parseLinkHeader(link).next;
      url = next;
      const cursor: Cursor | null =
        next !== undefined
          ? { sort, next: ctx.client.toCursor(next) }
          : sort === "updated"
            ? { sort: "pushed", next: first("pushed") }
            : null;
      yield { items, cursor };
    }
  }
}

function readCursor(kind: string, cursor: Cursor | undefined): SortedCursor | undefined {
  if (cursor === undefined) return undefined;
  const c = cursor as Partial<SortedCursor>;
  if (typeof c !== "object" || (c.sort !== "updated" && c.sort !== "pushed") || typeof c.next !== "string")
    throw new TypeError(`kind ${kind}: not a cursor of its changes: ${JSON.stringify(cursor)}`);
  return { sort: c.sort, next: c.next };
}
