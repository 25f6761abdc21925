import type { SettingSpec } from "./settings.ts";

/**
 * Where to resume: a small JSON value a source gives with each page (a next-page URL, a page
 * number, an offset, a body cursor). Stored as-is in the run table between invocations.
 */
export type Cursor = string | number | Record<string, unknown>;

/** One page of raw items, and the cursor from which iteration resumes exactly after it. */
export interface Page<T = unknown> {
  /** May be empty (e.g. a page of issues that were all pull requests): the cursor still advances. */
  items: T[];
  /** `null` when this was the last page. */
  cursor: Cursor | null;
  /**
   * Set when the partition exists but could not be read (GitHub blocked the repository):
   * its items are unknown, not absent, so entities last listed there are never deleted.
   */
  unreadable?: string;
  /**
   * What identifies this page's content for a conditional request (GitHub: its URL and
   * ETag). Given by kinds that implement {@link Kind.unchanged}.
   */
  validator?: PageValidator;
}

/** A page's address and the validator its answer carried (an HTTP `ETag`). */
export interface PageValidator {
  url: string;
  etag: string;
}

/** What every call into a source may carry. */
export interface CallOptions {
  /** The resource's selector extras from port-app-config, e.g. `{ state: "all" }`. */
  selector?: Record<string, unknown>;
  signal?: AbortSignal;
  /**
   * The longest one request may wait for a rate limit or a retry. Past it the source throws
   * the `RetryLaterError` of `lib/http` ("resume at T") unchanged, so the caller can checkpoint.
   */
  waitBudgetMs?: number;
}

export interface PageOptions extends CallOptions {
  /** Required by partitioned kinds: one key their `partitions()` yielded. */
  partition?: string;
  /** A cursor from an earlier page: the pages yielded are exactly those after it. */
  cursor?: Cursor;
}

/**
 * A kind of raw item a source can list (`repository`, `pull-request`, …): the `kind` of a
 * port-app-config resource.
 *
 * Absence confirmation comes with the contract and needs nothing more from a kind: before
 * deleting, reconciliation lists again just the partitions (or, for a kind without
 * partitions, the whole kind) that held the candidates ({@link LookAgainScope}), and keeps
 * every candidate that reappears. A kind whose pages cannot be read again deletes nothing.
 */
export interface Kind {
  name: string;
  /**
   * Present when the kind splits into independent partitions (e.g. pull requests per
   * repository) that may be enumerated concurrently, each with its own cursor.
   */
  partitions?(options?: CallOptions): AsyncIterable<string>;
  /** The kind's pages, in order, from the start or from `options.cursor`. */
  pages(options?: PageOptions): AsyncIterable<Page>;
  /**
   * `false` when the kind's pages cannot be read a second time (a one-shot export, a feed that
   * only moves forward): reconciliation then confirms no absence, so it deletes nothing of it.
   */
  listAgain?: boolean;
  /**
   * Optional capability: whether a partition's pages are all exactly as when they carried
   * `validators` (conditional requests, e.g. `If-None-Match`; GitHub does not count a 304
   * against the rate limit). `false` when any page changed or cannot be asked about: the
   * caller then reads the partition as usual. Throws only what `pages` would (rate limits).
   */
  unchanged?(validators: readonly PageValidator[], options?: PageOptions): Promise<boolean>;
  /**
   * Optional capability, for incremental runs (`tide resync --incremental`): the pages of the
   * items created or updated at or after `since` (an ISO time), with the kind's selector
   * applied as `pages` applies it, shaped as `pages` yields them. Unpartitioned, and resumable
   * from `options.cursor` as `pages` is. It may yield an item more than once, and an item a
   * little older than `since`, never miss one: an incremental run upserts what it yields and
   * deletes nothing. A kind without it is left to full resyncs.
   *
   * @example
   * for await (const page of kind.changes?.("2026-12-01T09:55:00Z") ?? []) upsert(page.items);
   */
  changes?(since: string, options?: PageOptions): AsyncIterable<Page>;
}

/**
 * What a second look at a kind covers: `partitions` of a partitioned kind (only those), or
 * everything (`"all"`: the partitions are listed anew, so one a shifting listing skipped the
 * first time is found).
 */
export interface LookAgainScope {
  partitions: readonly string[] | "all";
}

/** Which file {@link Source.readFile} reads: `path` in the repository (or project) `item` belongs to. */
export interface FileRequest {
  /** A raw item of the source, e.g. a GitHub repository. */
  item: unknown;
  /** A path in that repository, e.g. `README.md` or `docs/owners.yml`. */
  path: string;
}

/** A configured connection to one third-party system. */
export interface Source {
  name: string;
  kinds: ReadonlyMap<string, Kind> | Readonly<Record<string, Kind>>;
  /**
   * Optional capability: the text of a file in the repository an item belongs to, on its
   * default branch; `null` when there is none (no such file, a directory, an item that
   * belongs to no repository). Mappings use it through `file://PATH` values and the
   * `includedFiles` selector. Throws when the file cannot be read (the run is then partial).
   */
  readFile?(request: FileRequest, options?: CallOptions): Promise<string | null>;
  /**
   * For a source whose kinds are open-ended (the HTTP source: every endpoint path is a kind):
   * the kind of that name, or `undefined`. Asked before `kinds`.
   */
  kind?(name: string): Kind | undefined;
  close?(): Promise<void>;
}

/** A source's blueprints and port-app-config, as a new user starts with them. */
export interface SourceDefaults {
  /** Port blueprint bodies, in an order in which each relation's target comes first. */
  blueprints: ReadonlyArray<Record<string, unknown>>;
  /** The default `port-app-config.yml`, as text. */
  portAppConfig(): Promise<string>;
}

/** A kind of source Tide knows how to build (see `registry.ts`). */
export interface SourceDefinition {
  name: string;
  settings: SettingSpec[];
  /**
   * Problems that involve several settings at once (e.g. "a token or an App"). Given the
   * settings that could be read, so it must cope with any of them missing.
   */
  check?(settings: ResolvedSettings): SettingProblem[];
  create(settings: ResolvedSettings): Source;
  /** The names of the kinds the source offers, known without settings (for `tide validate`). */
  kinds?: readonly string[];
  defaults?: SourceDefaults;
}

export type ResolvedSettings = Record<string, string | number | boolean>;

export interface SettingProblem {
  /** The environment variable(s) concerned. */
  setting: string;
  message: string;
}
