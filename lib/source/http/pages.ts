import { paginateBodyCursor } from "../paginate/body-cursor.ts";
import { paginateLink } from "../paginate/link.ts";
import { paginateOffset } from "../paginate/offset.ts";
import { paginatePageNumber } from "../paginate/page-number.ts";
import type { Cursor, Page } from "../types.ts";
import { dotPath } from "./jq.ts";
import type { EndpointRequest, JsonResponse } from "./request.ts";
import type { PaginationType } from "./settings.ts";

/** The pagination settings of Ocean's custom integration. */
export interface PaginationOptions {
  type: PaginationType;
  pageSize: number;
  /** The page/offset/cursor query parameter; default `page`, `offset` or `cursor`. */
  paginationParam?: string;
  /** The size parameter; default `size` (page) or `limit` (offset, cursor). */
  sizeParam?: string;
  startPage: number;
  cursorPath?: string;
  hasMorePath?: string;
  lastPagePath?: string;
  nextLinkPath: string;
  headerLinkRel: string;
}

export interface PagingDeps {
  send(request: EndpointRequest): Promise<JsonResponse>;
  /** The items of one response (its `data_path`). */
  items(data: unknown): Promise<unknown[]>;
  signal?: AbortSignal;
}

const truthy = (value: unknown) => value !== undefined && value !== null && value !== false && value !== "";
const isRecord = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === "object" && !Array.isArray(value);

/** The first of `paths` present in a response object, as Ocean's defaults look for them. */
function firstPresent(data: unknown, paths: readonly string[]): { found: boolean; value?: unknown } {
  for (const path of paths) {
    const value = dotPath(data, path);
    if (value !== undefined) return { found: true, value };
  }
  return { found: false };
}

/**
 * Every page of one endpoint, in the configured pagination style, resumable from a page's
 * cursor (an offset, a page number, a cursor, or the next page's URL).
 *
 * Where the API gives no "more pages" signal, a page shorter than `pageSize` is the last,
 * so a listing never loops forever on a response that has no such field.
 */
export function endpointPages(
  first: EndpointRequest,
  options: PaginationOptions,
  deps: PagingDeps,
  cursor: Cursor | undefined,
): AsyncIterable<Page> {
  const { pageSize } = options;
  const withQuery = (query: Record<string, string | number>) => ({
    ...first,
    query: { ...first.query, ...Object.fromEntries(Object.entries(query).map(([k, v]) => [k, String(v)])) },
  });
  const hasMore = (data: unknown, defaults: readonly string[]) =>
    options.hasMorePath
      ? { found: true, value: dotPath(data, options.hasMorePath) }
      : isRecord(data)
        ? firstPresent(data, defaults)
        : { found: false };

  switch (options.type) {
    case "none":
      return (async function* () {
        const res = await deps.send(first);
        yield { items: await deps.items(res.data), cursor: null };
      })();
    case "offset": {
      const offsetParam = options.paginationParam || "offset";
      const limitParam = options.sizeParam || "limit";
      return paginateOffset({
        limit: pageSize,
        cursor: typeof cursor === "number" ? cursor : undefined,
        signal: deps.signal,
        fetchPage: async (offset, limit) => {
          const res = await deps.send(withQuery({ [offsetParam]: offset, [limitParam]: limit }));
          const items = await deps.items(res.data);
          const more = hasMore(res.data, ["has_more", "hasMore"]);
          // A "no more" signal ends here: the total is what has been read.
          return more.found && !truthy(more.value) ? { items, total: offset + items.length } : { items };
        },
      });
    }
    case "page": {
      const pageParam = options.paginationParam || "page";
      const sizeParam = options.sizeParam || "size";
      return paginatePageNumber({
        pageSize,
        firstPage: options.startPage,
        cursor: typeof cursor === "number" ? cursor : undefined,
        signal: deps.signal,
        fetchPage: async (page) => {
          const res = await deps.send(withQuery({ [pageParam]: page, [sizeParam]: pageSize }));
          const items = await deps.items(res.data);
          const more = hasMore(res.data, ["next_page", "next", "hasMore", "has_more"]);
          if (more.found && !options.hasMorePath && (more.value === null || more.value === undefined))
            return { items, last: true };
          if (more.found) return { items, last: !truthy(more.value) };
          if (options.lastPagePath) return { items, last: truthy(dotPath(res.data, options.lastPagePath)) };
          return { items, last: items.length === 0 };
        },
      });
    }
    case "cursor": {
      const cursorParam = options.paginationParam || "cursor";
      const limitParam = options.sizeParam || "limit";
      return paginateBodyCursor({
        cursor: typeof cursor === "string" ? cursor : undefined,
        signal: deps.signal,
        fetchPage: async (at) => {
          const query: Record<string, string | number> = { [limitParam]: pageSize };
          if (at) query[cursorParam] = at;
          const res = await deps.send(withQuery(query));
          const items = await deps.items(res.data);
          if (!isRecord(res.data)) return { items, next: null };
          const next = options.cursorPath
            ? dotPath(res.data, options.cursorPath)
            : firstPresent(res.data, ["next_cursor", "cursor", "meta.after_cursor", "links.next"]).value;
          const more = hasMore(res.data, ["has_more", "hasMore", "meta.has_more"]);
          // Without a "more" flag, a cursor alone says there is a next page.
          const goOn = more.found ? truthy(more.value) : truthy(next);
          return { items, next: goOn && truthy(next) ? String(next) : null };
        },
      });
    }
    case "next_link":
      return paginateBodyCursor({
        cursor: typeof cursor === "string" ? cursor : undefined,
        signal: deps.signal,
        fetchPage: async (url) => {
          // The next link carries every parameter already.
          const res = await deps.send(url ? { ...first, path: url, query: {} } : first);
          const next = isRecord(res.data) ? dotPath(res.data, options.nextLinkPath) : undefined;
          return { items: await deps.items(res.data), next: truthy(next) ? String(next) : null };
        },
      });
    case "header_link": {
      const rel = options.headerLinkRel.toLowerCase();
      return paginateLink({
        first: "",
        cursor: typeof cursor === "string" ? cursor : undefined,
        signal: deps.signal,
        fetchPage: async (url) => {
          const res = await deps.send(url ? { ...first, path: url, query: {} } : first);
          const raw = res.headers.link;
          const link = Array.isArray(raw) ? raw.join(", ") : raw;
          // paginateLink follows rel="next"; another configured rel is read as next.
          const renamed = rel === "next" || !link ? link : relAsNext(link, rel);
          return { items: await deps.items(res.data), link: renamed };
        },
      });
    }
  }
}

/** Keeps only the links of relation `rel`, renamed `next`. */
function relAsNext(link: string, rel: string): string | undefined {
  const parts = link.split(/,(?=\s*<)/).filter((part) => {
    const m = /;\s*rel\s*=\s*"?([^";]+)"?/i.exec(part);
    return m?.[1]?.toLowerCase().split(/\s+/).includes(rel);
  });
  return parts.length === 0
    ? undefined
    : parts.map((p) => p.replace(/rel\s*=\s*"?[^";]+"?/i, 'rel="next"')).join(",");
}
