import type { Page } from "../types.ts";

export interface BodyCursorPaginationOptions<T> {
  /** A cursor of an earlier page: the token the API gave for the page after it. */
  cursor?: string;
  /** Fetches the page at `cursor` (the first when undefined): its items and the next token, if any. */
  fetchPage(cursor: string | undefined): Promise<{ items: T[]; next?: string | null | undefined }>;
  signal?: AbortSignal;
}

/**
 * Follows a continuation token returned in the response body (`next`, `endCursor`,
 * `nextPageToken`, Port's search `next`…). An absent or empty token ends the iteration.
 *
 * @example
 * paginateBodyCursor({
 *   fetchPage: async (from) => {
 *     const body = await search({ limit: 1000, from });
 *     return { items: body.entities, next: body.next };
 *   },
 * });
 */
export async function* paginateBodyCursor<T>(
  options: BodyCursorPaginationOptions<T>,
): AsyncGenerator<Page<T>> {
  let cursor = options.cursor;
  for (;;) {
    options.signal?.throwIfAborted();
    const { items, next } = await options.fetchPage(cursor);
    if (!next) {
      yield { items, cursor: null };
      return;
    }
    cursor = next;
    yield { items, cursor: next };
  }
}
