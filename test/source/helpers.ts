import { createGitHubSource, type GitHubSourceOptions } from "../../lib/source/github/index.ts";
import type { Cursor, Page } from "../../lib/source/index.ts";
import { type GitHubFake, type GitHubFakeOptions, startGitHubFake } from "../fakes/github/index.ts";

/** Fast retries, so that tests of 5xx and resets do not sleep for long. */
export const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 50 };

export async function githubFixture(
  fakeOptions: GitHubFakeOptions = {},
  sourceOptions: Partial<GitHubSourceOptions> = {},
) {
  const fake = await startGitHubFake(fakeOptions);
  const source = createGitHubSource({
    org: fake.org.login,
    apiUrl: fake.url,
    token: sourceOptions.app ? undefined : fake.token,
    ...sourceOptions,
    http: { retry: FAST_RETRY, ...sourceOptions.http },
  });
  return { fake, source };
}

export async function collect(pages: AsyncIterable<Page>): Promise<Page[]> {
  const all: Page[] = [];
  for await (const page of pages) all.push(page);
  return all;
}

export const itemsOf = (pages: Page[]) => pages.flatMap((p) => p.items);

/**
 * Walks every page from the start, then resumes from each page's cursor and checks that the
 * pages from there hold exactly the items after that page: no duplicate, no gap.
 */
export async function expectExactResume(
  pagesFrom: (cursor?: Cursor) => AsyncIterable<Page>,
  key: (item: unknown) => unknown,
): Promise<{ pages: Page[]; resumes: number }> {
  const pages = await collect(pagesFrom());
  const keys = itemsOf(pages).map(key);
  let resumes = 0;
  let seen = 0;
  for (const page of pages) {
    seen += page.items.length;
    if (page.cursor === null) continue;
    const rest = itemsOf(await collect(pagesFrom(page.cursor))).map(key);
    if (JSON.stringify(rest) !== JSON.stringify(keys.slice(seen))) {
      throw new Error(
        `resuming from ${JSON.stringify(page.cursor)} gave ${rest.length} items, expected ${keys.length - seen}`,
      );
    }
    resumes += 1;
  }
  return { pages, resumes };
}

export type { GitHubFake };
