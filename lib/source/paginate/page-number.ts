import type { Page } from "../types.ts";

export interface PageNumberPaginationOptions<T> {
  /** The page size asked for: a shorter page is the last. */
  pageSize: number;
  /** The number of the first page; 1 unless the API counts from 0. */
  firstPage?: number;
  /** A cursor of an earlier page: the number of the page after it. */
  cursor?: number;
  /** Fetches one page; `last: true` when the API says so (a total, a `has_more: false`). */
  fetchPage(page: number): Promise<{ items: T[]; last?: boolean }>;
  signal?: AbortSignal;
}

/**
 * Walks `?page=1, 2, …` until a page is short, empty, or said to be the last.
 *
 * @example
 * paginatePageNumber({ pageSize: 100, fetchPage: async (page) => ({ items: await list({ page, per_page: 100 }) }) });
 */
export async function* paginatePageNumber<T>(
  options: PageNumberPaginationOptions<T>,
): AsyncGenerator<Page<T>> {
  let page = options.cursor ?? options.firstPage ?? 1;
  for (;;) {
    options.signal?.throwIfAborted();
    const { items, last } = await options.fetchPage(page);
    if (last || items.length < options.pageSize) {
      yield { items, cursor: null };
      return;
    }
    page += 1;
    yield { items, cursor: page };
  }
}
