import { header } from "../../../http/index.ts";
import { SourceHttpError } from "../../errors.ts";
import { paginateLink } from "../../paginate/link.ts";
import type { CallOptions, Page, PageOptions, PageValidator } from "../../types.ts";
import type { GitHubKindContext, RawItem } from "./shared.ts";

/** GitHub's largest page. */
export const PER_PAGE = 100;

/** Adds `per_page=100` to a path with or without a query. */
export function withPerPage(path: string): string {
  return `${path}${path.includes("?") ? "&" : "?"}per_page=${PER_PAGE}`;
}

/** The pages of a GitHub list, following `Link` from `first` (or from `options.cursor`). */
export function listPages(
  ctx: GitHubKindContext,
  kind: string,
  first: string,
  options: PageOptions,
  envelope?: string,
): AsyncGenerator<Page> {
  const { cursor, signal, waitBudgetMs } = options;
  if (cursor !== undefined && typeof cursor !== "string") throw badCursor(kind, cursor);
  return paginateLink<unknown>({
    first,
    cursor,
    signal,
    toCursor: ctx.client.toCursor,
    fetchPage: async (url) => {
      const { body, headers } = await ctx.client.get(url, { signal, waitBudgetMs });
      const list = envelope === undefined ? body : (body as Record<string, unknown> | null)?.[envelope];
      if (!Array.isArray(list)) {
        const what = envelope === undefined ? "a list" : `a list in "${envelope}"`;
        throw new TypeError(`kind ${kind}: GET ${url.split("?")[0]} did not return ${what}`);
      }
      const etag = header(headers, "etag");
      return { items: list, link: header(headers, "link"), ...(etag ? { validator: { url, etag } } : {}) };
    },
  });
}

/**
 * Asks GitHub, page by page, whether each page still has the ETag it had (`If-None-Match`;
 * a 304 is not counted against the rate limit). Any other answer, or an error other than a
 * rate limit, says "read it again": the caller's ordinary path then deals with it.
 */
export async function pagesUnchanged(
  ctx: GitHubKindContext,
  validators: readonly PageValidator[],
  options: PageOptions = {},
): Promise<boolean> {
  if (validators.length === 0) return false;
  const { signal, waitBudgetMs } = options;
  for (const { url, etag } of validators) {
    try {
      const res = await ctx.client.get(url, { signal, waitBudgetMs, ifNoneMatch: etag });
      if (!res.notModified) return false;
    } catch (error) {
      if (error instanceof SourceHttpError) return false;
      throw error;
    }
  }
  return true;
}

/** Every item of a (short) GitHub list, all pages read. */
export async function listAll(
  ctx: GitHubKindContext,
  kind: string,
  first: string,
  options: CallOptions,
  envelope?: string,
): Promise<RawItem[]> {
  const all: RawItem[] = [];
  const { signal, waitBudgetMs } = options;
  for await (const page of listPages(ctx, kind, first, { signal, waitBudgetMs }, envelope)) {
    all.push(...(page.items as RawItem[]));
  }
  return all;
}

/** One GitHub object (`GET path`), or a TypeError naming the kind if GitHub answered something else. */
export async function getObject(
  ctx: GitHubKindContext,
  kind: string,
  path: string,
  options: CallOptions,
): Promise<RawItem> {
  const { body } = await ctx.client.get(path, { signal: options.signal, waitBudgetMs: options.waitBudgetMs });
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw new TypeError(`kind ${kind}: GET ${path.split("?")[0]} did not return an object`);
  return body as RawItem;
}

export function badCursor(kind: string, cursor: unknown): TypeError {
  return new TypeError(`kind ${kind}: a cursor is a next-page URL string, not ${JSON.stringify(cursor)}`);
}
