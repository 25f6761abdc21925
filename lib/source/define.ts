import { readFile } from "node:fs/promises";
import type { SettingSpec } from "./settings.ts";
import type {
  CallOptions,
  Cursor,
  Kind,
  Page,
  PageOptions,
  ResolvedSettings,
  SettingProblem,
  Source,
  SourceDefaults,
  SourceDefinition,
} from "./types.ts";

/** What a kind's generator is given: the settings, the resource's selector, where to resume. */
export interface KindContext<S extends ResolvedSettings = ResolvedSettings> {
  /** The source's settings, read from the environment and checked (`settings` of the definition). */
  settings: S;
  /** The resource's selector without `query`, e.g. `{ state: "all" }` from port-app-config. */
  selector: Record<string, unknown>;
  /** The partition being listed (kinds with `partitions` only). */
  partition?: string;
  /**
   * The cursor of the last page delivered, when the run resumes in a new invocation: present
   * only for kinds that yield `{ items, cursor }`. Start after it.
   */
  cursor?: Cursor;
  /** Aborted when the run stops listing (out of time, another partition failed). */
  signal?: AbortSignal;
  /** For `changes` only: the ISO time from which created or updated items are wanted. */
  since?: string;
  /**
   * The longest one request may wait for a rate limit: pass it to the package's `HttpClient`
   * (`request({ ..., waitBudgetMs })`), whose `RetryLaterError` makes the run continue later.
   */
  waitBudgetMs?: number;
}

/**
 * What a kind's generator yields: an array of raw items (one page), or a page with the cursor
 * to resume after it (`null`: this was the last page). `unreadable` says a partition exists but
 * could not be read (access blocked): entities last listed there are kept, never deleted.
 */
export type KindYield =
  | readonly unknown[]
  | { items: readonly unknown[]; cursor: Cursor | null; unreadable?: string };

/** One kind: an async generator of pages, exactly like an Ocean `@ocean.on_resync("kind")` handler. */
export type KindGenerator<S extends ResolvedSettings = ResolvedSettings> = (
  context: KindContext<S>,
) => AsyncIterable<KindYield>;

/** A kind with extras: partitions listed concurrently, or no second look. */
export interface KindDefinition<S extends ResolvedSettings = ResolvedSettings> {
  pages: KindGenerator<S>;
  /** The kind's partitions (e.g. one per project); `pages` is then called once per partition. */
  partitions?(context: Omit<KindContext<S>, "partition" | "cursor">): AsyncIterable<string>;
  /**
   * `false` when the pages cannot be read a second time: reconciliation then never confirms
   * an absence in this kind, so it deletes none of its entities. Default `true`.
   */
  listAgain?: boolean;
  /**
   * Optional: the items created or updated at or after `context.since` (an ISO time), for
   * incremental runs (`tide resync --incremental`); unpartitioned. It may yield an item twice
   * or a little early, never miss one. A kind without it is left to full resyncs.
   *
   * @example
   * async *changes({ settings, since }) {
   *   const res = await fetch(`${settings.USERS_API_URL}/users?updated_since=${since}`);
   *   yield await res.json();
   * }
   */
  changes?: KindGenerator<S>;
}

/** What `defineSource` takes. Only `name` and `kinds` are required. */
export interface SourceSpec<S extends ResolvedSettings = ResolvedSettings> {
  /** The source's name: Port's integration type and the default integration id (`tide-NAME`). */
  name: string;
  /** Per kind (the `kind` of a port-app-config resource), its generator of pages. */
  kinds: Record<string, KindGenerator<S> | KindDefinition<S>>;
  /**
   * Environment variables the source reads, checked before a run starts: a missing required
   * one, a bad number or URL is reported with the others, and a `sensitive` value never shown.
   */
  settings?: SettingSpec[];
  /** Checks across settings ("a token or a username and password"), given the readable ones. */
  check?(settings: S): SettingProblem[];
  /** Port blueprint bodies `tide setup` creates, each relation's target before it. */
  blueprints?: ReadonlyArray<Record<string, unknown>>;
  /**
   * The default port-app-config (used when there is no ./port-app-config.yml): its YAML text,
   * or a file URL such as `new URL("./port-app-config.yml", import.meta.url)`.
   */
  mapping?: string | URL;
  /** Called when the run is over, e.g. to close a connection pool. */
  close?(): Promise<void>;
}

/** Marks the cursor of a kind that yields bare arrays: a continuation lists it again from the start. */
type RestartCursor = { restart: true; pages: number };

const isRestart = (cursor: unknown): cursor is RestartCursor =>
  typeof cursor === "object" && cursor !== null && (cursor as RestartCursor).restart === true;

/**
 * Defines a source: what Tide needs to list a third-party system's items, kind by kind.
 * The result is what `tide resync --local --source ./my-source.mjs`, the Lambda functions
 * (`TIDE_SOURCE_MODULE`) and `tide setup` load from the module's default export.
 *
 * A kind yielding bare arrays has no cursor: when a long run continues in a new Lambda
 * invocation, that kind is listed again from its start (nothing is missed; pages sent before
 * are sent again). Yield `{ items, cursor }` and read `context.cursor` to resume exactly.
 *
 * @example
 * import { defineSource } from "tide-port";
 *
 * export default defineSource({
 *   name: "users-api",
 *   settings: [{ name: "USERS_API_URL", type: "url", required: true, description: "the API" }],
 *   kinds: {
 *     async *user({ settings }) {
 *       const res = await fetch(`${settings.USERS_API_URL}/users`);
 *       yield await res.json();
 *     },
 *   },
 * });
 */
export function defineSource<S extends ResolvedSettings = ResolvedSettings>(
  spec: SourceSpec<S>,
): SourceDefinition {
  if (!spec || typeof spec.name !== "string" || spec.name.trim() === "")
    throw new TypeError("defineSource: `name` must be a non-empty string");
  if (!spec.kinds || typeof spec.kinds !== "object" || Object.keys(spec.kinds).length === 0)
    throw new TypeError(`defineSource(${spec.name}): \`kinds\` needs at least one kind`);
  for (const [name, kind] of Object.entries(spec.kinds)) {
    const pages = typeof kind === "function" ? kind : kind?.pages;
    if (typeof pages !== "function")
      throw new TypeError(
        `defineSource(${spec.name}): kind ${JSON.stringify(name)} must be an async generator function or { pages }`,
      );
  }
  return {
    name: spec.name,
    settings: spec.settings ?? [],
    check: spec.check ? (settings) => spec.check?.(settings as S) ?? [] : undefined,
    create(settings): Source {
      const kinds: Record<string, Kind> = {};
      for (const [name, kind] of Object.entries(spec.kinds))
        kinds[name] = toKind(name, typeof kind === "function" ? { pages: kind } : kind, settings as S);
      return { name: spec.name, kinds, close: spec.close };
    },
    defaults: spec.blueprints || spec.mapping ? defaultsOf(spec) : undefined,
  };
}

function defaultsOf(spec: SourceSpec<never>): SourceDefaults {
  const { mapping } = spec;
  return {
    blueprints: spec.blueprints ?? [],
    async portAppConfig() {
      if (mapping === undefined) return "resources: []\n";
      return mapping instanceof URL ? readFile(mapping, "utf8") : mapping;
    },
  };
}

function toKind<S extends ResolvedSettings>(name: string, definition: KindDefinition<S>, settings: S): Kind {
  const context = (options: CallOptions = {}) => ({
    settings,
    selector: options.selector ?? {},
    signal: options.signal,
    waitBudgetMs: options.waitBudgetMs,
  });
  const listPartitions = definition.partitions;
  const changes = definition.changes;
  return {
    name,
    listAgain: definition.listAgain,
    partitions: listPartitions ? (options) => listPartitions(context(options)) : undefined,
    pages: (options: PageOptions = {}) => pagesOf(name, definition.pages, settings, options),
    ...(changes
      ? {
          changes: (since: string, options: PageOptions = {}) =>
            pagesOf(name, changes, settings, options, since),
        }
      : {}),
  };
}

async function* pagesOf<S extends ResolvedSettings>(
  name: string,
  generator: KindGenerator<S>,
  settings: S,
  options: PageOptions,
  since?: string,
): AsyncGenerator<Page> {
  // A restart marker means the kind has no cursors: begin again.
  const cursor = options.cursor === undefined || isRestart(options.cursor) ? undefined : options.cursor;
  const context: KindContext<S> = {
    settings,
    selector: options.selector ?? {},
    partition: options.partition,
    cursor,
    signal: options.signal,
    waitBudgetMs: options.waitBudgetMs,
    ...(since === undefined ? {} : { since }),
  };
  let pages = 0;
  for await (const value of generator(context)) {
    pages += 1;
    if (Array.isArray(value)) {
      yield { items: value, cursor: { restart: true, pages } satisfies RestartCursor };
      continue;
    }
    const page = value as { items?: unknown; cursor?: unknown; unreadable?: unknown };
    if (!page || !Array.isArray(page.items) || page.cursor === undefined)
      throw new TypeError(
        `kind ${name}: page ${pages} is neither an array of items nor { items: [...], cursor }`,
      );
    const unreadable = typeof page.unreadable === "string" ? { unreadable: page.unreadable } : {};
    yield { items: page.items, cursor: page.cursor as Cursor | null, ...unreadable };
    if (page.cursor === null) return;
  }
}
