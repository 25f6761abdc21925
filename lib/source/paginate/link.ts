import type { Page, PageValidator } from "../types.ts";

export interface LinkPaginationOptions<T> {
  /** The first page's path or URL; not requested when resuming from `cursor`. */
  first: string;
  /** A cursor of an earlier page: the next page's path or URL. */
  cursor?: string;
  /** Fetches one page: its items, its `Link` response header, and its validator if any. */
  fetchPage(url: string): Promise<{ items: T[]; link?: string | undefined; validator?: PageValidator }>;
  /** Turns a `rel="next"` URL into the cursor to store, e.g. relative to the API base. */
  toCursor?(nextUrl: string): string;
  signal?: AbortSignal;
}

/**
 * Follows `Link: <…>; rel="next"` from page to page (GitHub, GitLab, many REST APIs). The
 * cursor is the next page's URL, so resuming does not depend on how the API numbers pages.
 *
 * @example
 * for await (const page of paginateLink({ first: "/orgs/acme/repos?per_page=100", fetchPage })) {
 *   await save(page.items, page.cursor);
 * }
 */
export async function* paginateLink<T>(options: LinkPaginationOptions<T>): AsyncGenerator<Page<T>> {
  const toCursor = options.toCursor ?? ((url: string) => url);
  let url: string | undefined = options.cursor ?? options.first;
  while (url !== undefined) {
    options.signal?.throwIfAborted();
    const { items, link, validator } = await options.fetchPage(url);
    const next = link ? parseLinkHeader(link).next : undefined;
    url = next;
    yield { items, cursor: next === undefined ? null : toCursor(next), ...(validator ? { validator } : {}) };
  }
}

/**
 * The targets of an RFC 8288 `Link` header by relation: `{ next: "…", last: "…" }`.
 *
 * @example
 * parseLinkHeader('<https://api.github.com/repositories/1/pulls?page=2>; rel="next"').next
 */
export function parseLinkHeader(value: string): Record<string, string> {
  const links: Record<string, string> = {};
  for (const match of value.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const target = match[1] ?? "";
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(match[2] ?? "");
    for (const name of (rel?.[1] ?? rel?.[2] ?? "").split(/\s+/)) {
      if (name) links[name.toLowerCase()] ??= target;
    }
  }
  return links;
}
