import type { components } from "@octokit/openapi-types";
import { TideError } from "../../errors.ts";
import { header } from "../../http/index.ts";
import { parseLinkHeader } from "../paginate/link.ts";
import type { Page } from "../types.ts";
import type { GitHubClient } from "./client.ts";

/** What a partitioned kind needs of a listed repository. */
export interface ListedRepo {
  /** Undefined for an entry that is not a repository (`shown` says what it was). */
  name: string | undefined;
  hasIssues: boolean;
  shown: string;
}

interface ListedPage {
  /** The raw repositories, kept until every repository reader that shares the listing took them. */
  items: unknown[] | undefined;
  unread: number;
  repos: ListedRepo[];
  cursor: string | null;
}

/** The listing answered something other than a list: each kind names itself in the error. */
export class NotAListError extends TideError {
  override readonly name = "NotAListError";
}

interface ReadOptions {
  signal?: AbortSignal | undefined;
  waitBudgetMs?: number | undefined;
}

/**
 * One reading of `GET /orgs/{org}/repos` shared by every kind that needs it: the `repository`
 * kind takes the raw pages, `pull-request` and `issue` take the names for their partitions. It
 * reads ahead on its own, page after page, once a first kind asks. A kind that asks while it
 * is under way shares it — in a fanout every resource starts at once, so one invocation reads
 * the org's repositories once. A kind that asks after it ended reads anew (so does a
 * continuation, and the next run). Only names are kept for late readers: a repository reader
 * that comes after the first page, or resumes from a cursor, reads on its own.
 */
class SharedListing {
  readonly pages: ListedPage[] = [];
  done = false;
  failure: { error: unknown } | undefined;
  endedAt = 0;
  readers = 0;
  repositoryReaders = 0;
  #sleepers: Array<() => void> = [];

  readonly client: GitHubClient;
  readonly first: string;
  readonly options: ReadOptions;

  constructor(client: GitHubClient, first: string, options: ReadOptions) {
    this.client = client;
    this.first = first;
    this.options = options;
  }

  start(now: () => number): void {
    void this.#read(now);
  }

  async #read(now: () => number): Promise<void> {
    let url: string | undefined = this.first;
    try {
      while (url !== undefined && this.readers > 0) {
        const { body, headers } = await this.client.get(url, { waitBudgetMs: this.options.waitBudgetMs });
        if (!Array.isArray(body)) throw new NotAListError(`GET ${url.split("?")[0]} did not return a list`);
        const link = header(headers, "link");
        url = link ? parseLinkHeader(link).next : undefined;
        const unread = this.repositoryReaders;
        this.pages.push({
          items: unread > 0 ? body : undefined,
          unread,
          repos: body.map(listedRepo),
          cursor: url === undefined ? null : this.client.toCursor(url),
        });
        this.#wake();
      }
      if (url !== undefined) this.failure = { error: new Error("listing abandoned: no reader left") };
    } catch (error) {
      this.failure = { error };
    }
    this.done = true;
    this.endedAt = now();
    this.#wake();
  }

  /** Waits until page `index` is read, or the listing ended. */
  async page(index: number, signal: AbortSignal | undefined): Promise<ListedPage | undefined> {
    while (index >= this.pages.length && !this.done) {
      signal?.throwIfAborted();
      await new Promise<void>((wake) => this.#sleepers.push(wake));
    }
    if (index < this.pages.length) return this.pages[index];
    if (this.failure) throw this.failure.error;
    return undefined;
  }

  #wake(): void {
    const sleepers = this.#sleepers;
    this.#sleepers = [];
    for (const wake of sleepers) wake();
  }
}

function listedRepo(item: unknown): ListedRepo {
  const repo = item as Partial<components["schemas"]["minimal-repository"]> | null;
  const name = typeof repo?.name === "string" && repo.name !== "" ? repo.name : undefined;
  const shown = name ?? (JSON.stringify(item)?.slice(0, 80) || String(item));
  return { name, hasIssues: repo?.has_issues !== false, shown };
}

/** The org's repository listings of one source, by listing path (one per `repositoryType`). */
export class RepositoryListings {
  readonly #client: GitHubClient;
  readonly #graceMs: number;
  readonly #now: () => number;
  readonly #listings = new Map<string, SharedListing>();

  constructor(client: GitHubClient, options: { graceMs?: number; now?: () => number } = {}) {
    this.#client = client;
    // 0: a listing that ended is never reused, so a later run (the same source object in a warm
    // Lambda, or in tests) always reads the org anew.
    this.#graceMs = options.graceMs ?? 0;
    this.#now = options.now ?? Date.now;
  }

  /** Raw pages for the `repository` kind: shared when it is among the first to ask. */
  async *pages(first: string, options: ReadOptions & { cursor?: string | undefined }): AsyncGenerator<Page> {
    const listing = options.cursor === undefined ? this.#open(first, options, true) : undefined;
    if (!listing) {
      yield* this.#ownPages(options.cursor ?? first, options);
      return;
    }
    try {
      for (let index = 0; ; index++) {
        const page = await listing.page(index, options.signal);
        if (!page) return;
        const items = page.items ?? [];
        page.unread -= 1;
        if (page.unread <= 0) page.items = undefined;
        yield { items, cursor: page.cursor };
        if (page.cursor === null) return;
      }
    } finally {
      listing.readers -= 1;
    }
  }

  /** The listed repositories, for partitions. */
  async *repos(first: string, options: ReadOptions): AsyncGenerator<ListedRepo> {
    const listing = this.#open(first, options, false) as SharedListing;
    try {
      for (let index = 0; ; index++) {
        const page = await listing.page(index, options.signal);
        if (!page) return;
        yield* page.repos;
        if (page.cursor === null) return;
      }
    } finally {
      listing.readers -= 1;
    }
  }

  #open(first: string, options: ReadOptions, repository: boolean): SharedListing | undefined {
    let listing = this.#listings.get(first);
    const stale =
      !listing ||
      (listing.done && (listing.failure !== undefined || this.#now() - listing.endedAt >= this.#graceMs));
    if (stale) {
      listing = new SharedListing(this.#client, first, options);
      this.#listings.set(first, listing);
    } else if (repository && (listing as SharedListing).pages.length > 0) {
      return undefined;
    }
    const shared = listing as SharedListing;
    shared.readers += 1;
    if (repository) shared.repositoryReaders += 1;
    if (stale) shared.start(this.#now);
    return shared;
  }

  async *#ownPages(url: string, options: ReadOptions): AsyncGenerator<Page> {
    for (let next: string | undefined = url; next !== undefined; ) {
      options.signal?.throwIfAborted();
      const { body, headers } = await this.#client.get(next, options);
      if (!Array.isArray(body)) throw new NotAListError(`GET ${next.split("?")[0]} did not return a list`);
      const link = header(headers, "link");
      next = link ? parseLinkHeader(link).next : undefined;
      yield { items: body, cursor: next === undefined ? null : this.#client.toCursor(next) };
    }
  }
}
