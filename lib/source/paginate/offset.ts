import type { Page } from "../types.ts";

export interface OffsetPaginationOptions<T> {
  /** The page size asked for: a shorter page is the last. */
  limit: number;
  /** A cursor of an earlier page: the offset of the first item after it. */
  cursor?: number;
  /** Fetches `limit` items from `offset`; `total` when the API gives it. */
  fetchPage(offset: number, limit: number): Promise<{ items: T[]; total?: number }>;
  signal?: AbortSignal;
}

/**
 * Walks `?offset=0&limit=n`, `?offset=n&limit=n`, … until a page is short or the total is reached.
 *
 * @example
 * paginateOffset({ limit: 50, fetchPage: async (offset, limit) => await list({ offset, limit }) });
 */
export async function* paginateOffset<T>(options: OffsetPaginationOptions<T>): AsyncGenerator<Page<T>> {
  let offset = options.cursor ?? 0;
  for (;;) {
    options.signal?.throwIfAborted();
    const { items, total } = await options.fetchPage(offset, options.limit);
    offset += items.length;
    if (items.length < options.limit || (total !== undefined && offset >= total)) {
      yield { items, cursor: null };
      return;
    }
    yield { items, cursor: offset };
  }
}
