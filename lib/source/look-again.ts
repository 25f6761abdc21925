import { enumerateKind } from "./enumerate.ts";
import { CannotListAgainError } from "./errors.ts";
import type { CallOptions, Kind, LookAgainScope, Page } from "./types.ts";

/**
 * The generic confirmation of absence: the pages of a kind read again, for just `scope`.
 * It needs nothing from the source beyond its pages: a listing that shifted while it was
 * read the first time (an item deleted between two page reads skips another) is read again
 * from the start, so an item skipped then is found now. A kind that says it cannot be listed
 * again (`listAgain: false`) throws {@link CannotListAgainError}: nothing of it is confirmed.
 *
 * @example
 * await lookAgain(kind, { partitions: ["api"] }, { selector }, (page, repo) => keepWhatReappears(page.items));
 */
export async function lookAgain(
  kind: Kind,
  scope: LookAgainScope,
  options: CallOptions & { concurrency?: number },
  onPage: (page: Page, partition: string) => void | Promise<void>,
): Promise<void> {
  if (kind.listAgain === false) throw new CannotListAgainError(kind.name);
  if (!kind.partitions || scope.partitions === "all") {
    await enumerateKind(kind, { ...options, onPage: (page, partition) => onPage(page, partition ?? "") });
    return;
  }
  const queue = [...new Set(scope.partitions)];
  const worker = async () => {
    for (let partition = queue.shift(); partition !== undefined; partition = queue.shift()) {
      for await (const page of kind.pages({ ...options, partition })) await onPage(page, partition);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 8) }, worker));
}
