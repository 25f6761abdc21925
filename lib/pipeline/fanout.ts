import { type Clock, realClock } from "../http/clock.ts";
import { RetryLaterError } from "../http/errors.ts";
import { compileConfig, configWarnings, type PortAppConfig, type ResourceConfig } from "../mapping/index.ts";
import { itemKey } from "../mapping/item-key.ts";
import { type KeepPlan, keepAgrees, messageKeep, trimItems } from "../mapping/message-keep.ts";
import { findKind, kindNames } from "../source/kinds.ts";
import type { Kind, Page, PageValidator, Source } from "../source/types.ts";
import { MAX_BATCH_FAILURES } from "./caps.ts";
import { chunked } from "./chunked.ts";
import type { ContinueEvent, Invoker, Queue, ReconcileEvent, WatchdogEvent } from "./contracts/index.ts";
import { ResyncRequestError, RunLockedError } from "./errors.ts";
import { type FinishDeps, finishReconciling, maybeFinish } from "./finish.ts";
import { batchId, newRunId, partitionKey } from "./ids.ts";
import { changesOf, planIncremental } from "./incremental.ts";
import type { Logger } from "./logger.ts";
import { addValidator } from "./memo.ts";
import type { IngestMessage, MessagePart } from "./message.ts";
import { Outbox } from "./outbox.ts";
import { packItems } from "./pack.ts";
import { forEachConcurrent } from "./pool.ts";
import { resourceFiles, resourceKind } from "./resource-kind.ts";
import type { Checkpoint, Failure, RunRecord, Trigger } from "./run.ts";
import { UnchangedPartitions } from "./unchanged-partitions.ts";
import { DEFAULT_STALL_BOUNDS, endStalledRun, isStalled } from "./watchdog.ts";

export interface FanoutOptions {
  /** The largest message body, in bytes (SQS allows up to 1 MiB; 256 KiB keeps batches small). */
  maxMessageBytes: number;
  /**
   * How long a resource's message waits for more pages (of any of its partitions) before it
   * goes part full: small pages (a repository's 7 pull requests) then travel together.
   */
  lingerMs: number;
  /** Partitions of one resource (e.g. repositories for pull requests) enumerated at once. */
  partitionConcurrency: number;
  /** Below this much remaining invocation time, save cursors and continue in a new invocation. */
  marginMs: number;
  /** A run lock not touched for this long belongs to a dead run and may be taken over. */
  lockStaleAfterMs: number;
}

export const DEFAULT_FANOUT_OPTIONS: FanoutOptions = {
  maxMessageBytes: 256 * 1024,
  lingerMs: 500,
  partitionConcurrency: 16,
  marginMs: 90_000,
  lockStaleAfterMs: 20 * 60_000,
};

export interface StartEvent {
  type: "start";
  trigger: Trigger;
  /** Only the resources of these kinds; a partial run deletes only within what it covered. */
  kinds?: string[];
  /** Abort a run still in progress instead of refusing to start. */
  supersede?: boolean;
  /** Chosen by the caller so it can print it before the run starts (`tide resync`). */
  runId?: string;
  /** Send every entity even if unchanged since this integration last wrote it. */
  fullRewrite?: boolean;
  /**
   * List only what changed since the last completed run, in the kinds that can (see
   * `incremental.ts`), and delete nothing; a full resync when that cannot be done safely.
   */
  incremental?: boolean;
}

export type FanoutEvent = StartEvent | ContinueEvent | ReconcileEvent | WatchdogEvent;

export interface FanoutDeps extends FinishDeps {
  integrationId: string;
  /** The config a new run snapshots; continuations use the run's snapshot instead. */
  config: PortAppConfig;
  source: Source;
  queue: Queue;
  invoker: Invoker;
  log: Logger;
  options: FanoutOptions;
  /** Milliseconds left in this invocation (Lambda's `getRemainingTimeInMillis`). */
  remainingMs: () => number;
  /** Sees each page's raw items (e.g. to send Port examples for its mapping editor); must not throw. */
  examples?: { offer(kind: string, items: readonly unknown[]): void };
  /** What a continuation waits for a rate limit's reset on; default the real clock. */
  clock?: Clock;
}

export type FanoutResult =
  | { outcome: "continuing"; runId: string; continuation: number; resumeAt?: string }
  | { outcome: "reconciled"; run: RunRecord | undefined }
  | { outcome: "watched"; ended?: RunRecord }
  | { outcome: "enumerated"; run: RunRecord }
  | { outcome: "stopped"; runId: string; status: string };

const LOCK_TOUCH_INTERVAL_MS = 30_000;
/** Live progress is for watching: one write a second per resource, not one a page. */
const PROGRESS_INTERVAL_MS = 1_000;
/**
 * Pages of one partition delivered at once: enough for a message to fill from one partition
 * before its linger ends, few enough to bound what one invocation holds unsent.
 */
const PAGES_AHEAD = 8;
/** A partition name a message carries: within the envelope's room (`ENVELOPE_BYTES`). */
const MAX_PARTITION_BYTES = 200;
/** Partitions whose memos are read in one request (a page of GitHub's repository listing). */
const MEMO_READ_AHEAD = 100;

/**
 * One fanout invocation: opens a run (or continues one), enumerates every resource's pages
 * into the queue with a checkpoint per page, and either hands over to a continuation before
 * time runs out or marks enumeration finished (which may finish the run).
 *
 * @example
 * const result = await runFanout(deps, { type: "start", trigger: "manual" });
 * if (result.outcome === "continuing") console.log(`continues as ${result.runId}`);
 */
export async function runFanout(deps: FanoutDeps, event: FanoutEvent): Promise<FanoutResult> {
  if (event.type === "reconcile")
    return { outcome: "reconciled", run: await finishReconciling(deps, event.runId) };
  if (event.type === "watchdog") {
    const ended = await endStalledRun(deps, deps.integrationId, deps.stall ?? DEFAULT_STALL_BOUNDS);
    return ended ? { outcome: "watched", ended } : { outcome: "watched" };
  }
  const { run, config, waiting } =
    event.type === "start"
      ? { ...(await openRun(deps, event)), waiting: false }
      : await resumeRun(deps, event);
  if (run.status !== "running") return { outcome: "stopped", runId: run.runId, status: run.status };
  if (waiting && event.type === "continue") {
    await deps.store.updateRun(run.runId, {}); // still alive, waiting for the API: not stalled
    await deps.invoker.continueFanout({ ...event, continuation: event.continuation });
    return {
      outcome: "continuing",
      runId: run.runId,
      continuation: event.continuation,
      resumeAt: event.resumeAt,
    };
  }
  const enumeration = new Enumeration(deps, run, config);
  await enumeration.run();
  if (enumeration.stopped) {
    const continuation = run.continuations + 1;
    await deps.store.updateRun(run.runId, { continuations: continuation });
    const resumeAt = enumeration.resumeAt ? new Date(enumeration.resumeAt).toISOString() : undefined;
    await deps.invoker.continueFanout({ type: "continue", runId: run.runId, continuation, resumeAt });
    deps.log.info("fanout continues in a new invocation", { runId: run.runId, continuation, resumeAt });
    return { outcome: "continuing", runId: run.runId, continuation, resumeAt };
  }
  for (const resource of run.resources) await deps.store.markEnumerated(run.runId, resource);
  const enumerated = (await deps.store.updateRun(run.runId, { enumerated: true })) ?? run;
  deps.log.info("enumeration finished", { runId: run.runId, batches: enumerated.sent });
  const finished = await maybeFinish(deps, enumerated);
  return { outcome: "enumerated", run: finished ?? enumerated };
}

async function openRun(deps: FanoutDeps, event: StartEvent) {
  const { config, store, integrationId } = deps;
  // A start retried after a crash (Lambda retries a failed asynchronous invoke) goes on with its run.
  const retried = event.runId ? await store.getRun(event.runId) : undefined;
  if (retried) {
    const snapshot = await store.getConfig(retried.runId);
    if (snapshot) return { run: retried, config: snapshot };
  }
  const selected = selectResources(config, deps.source, event.kinds);
  // Every jq expression compiles before anything is written (a ConfigError names file, field, line).
  await compileConfig(config);
  const plan = event.incremental
    ? await planIncremental(store, integrationId, config, deps.source, selected)
    : undefined;
  const incremental = plan && "scope" in plan ? plan : undefined;
  const resources = incremental?.resources ?? selected;
  const runId = event.runId ?? newRunId();
  const bounds = deps.stall ?? DEFAULT_STALL_BOUNDS;
  // The watchdog's check at every start: a stalled run ends (failed) and frees the lock.
  await endStalledRun(deps, integrationId, bounds);
  const lockOptions = { staleAfterMs: deps.options.lockStaleAfterMs, supersede: false };
  let lock = await store.acquireLock(integrationId, runId, lockOptions);
  if (!lock.acquired) {
    const holder = await store.getRun(lock.holder);
    // A lock whose run never began or has ended is left over from a crash: take it.
    const leftOver = !holder || (holder.status !== "running" && holder.status !== "reconciling");
    if (!leftOver && !event.supersede)
      throw new RunLockedError(lock.holder, lock.since, "is still running; pass supersede to abort it");
    if (
      holder?.status === "reconciling" &&
      !isStalled(holder, { ...bounds, reconcilingMs: bounds.resumeAfterMs })
    ) {
      throw new RunLockedError(lock.holder, lock.since, "is deleting stale entities; try again when it ends");
    }
    // A reconciliation step silent for `resumeAfterMs` has died: it may be superseded too.
    if (holder && !leftOver && !(await store.transition(holder.runId, holder.status, "aborted"))) {
      throw new RunLockedError(lock.holder, lock.since, "could not be aborted");
    }
    lock = await store.acquireLock(integrationId, runId, { ...lockOptions, supersede: true });
    deps.log.warn(
      leftOver ? "took over a lock left by a run that ended" : "superseded a run still in progress",
      {
        runId,
        aborted: lock.acquired ? lock.superseded : undefined,
      },
    );
  }
  const run: RunRecord = {
    runId,
    integrationId,
    trigger: event.trigger,
    status: "running",
    startedAt: new Date().toISOString(),
    resources,
    full: !incremental && resources.length === config.resources.length,
    ...(incremental ? { incremental: incremental.scope } : {}),
    ...(plan && "full" in plan ? { fullBecause: plan.full } : {}),
    enumerated: false,
    sent: 0,
    settled: 0,
    continuations: 0,
    ...(event.fullRewrite ? { fullRewrite: true } : {}),
  };
  await store.createRun(run, config);
  await store.initProgress(
    runId,
    resources.map((resource) => ({ resource, kind: kindName(config, resource) })),
  );
  await reportRunning(deps, run);
  // Keys Ocean ignores are ignored here too, but said, so a typo does not go unnoticed.
  for (const warning of configWarnings(config)) deps.log.warn(warning, { runId });
  deps.log.info("resync started", {
    runId,
    trigger: event.trigger,
    kinds: resources.map((r) => kindName(config, r)),
    ...(run.incremental ? { incremental: run.incremental } : {}),
    ...(run.fullBecause ? { fullBecause: `a full resync, not incremental: ${run.fullBecause}` } : {}),
  });
  return { run, config };
}

async function resumeRun(deps: FanoutDeps, event: ContinueEvent) {
  const run = await deps.store.getRun(event.runId);
  const config = await deps.store.getConfig(event.runId);
  if (!run || !config) throw new ResyncRequestError(`run ${event.runId} is not in the run table (expired?)`);
  // Wait for the API's reset here rather than re-hitting its limit in a tight loop of
  // invocations; a wait longer than this invocation can afford spans several of them.
  const clock = deps.clock ?? realClock;
  const wait = event.resumeAt ? Date.parse(event.resumeAt) - clock.now() : 0;
  const affordable = Math.max(0, deps.remainingMs() - deps.options.marginMs);
  if (wait > 0) await clock.sleep(Math.min(wait, affordable));
  return { run, config, waiting: wait > affordable };
}

async function reportRunning(deps: FanoutDeps, run: RunRecord) {
  try {
    await deps.catalog.reportResync?.({ status: "running", start: run.startedAt });
  } catch (error) {
    deps.log.warn("could not report the resync state to Port", { error: (error as Error).message });
  }
}

function selectResources(config: PortAppConfig, source: Source, kinds: string[] | undefined): number[] {
  for (const [index, resource] of config.resources.entries()) {
    if (!findKind(source, resource.kind)) {
      throw new ResyncRequestError(
        `resources[${index}].kind: "${resource.kind}" is not a kind of the ${source.name} source (${kindNames(source).join(", ")})`,
      );
    }
    const files = resourceFiles(resource);
    if (files.length > 0 && !source.readFile) {
      throw new ResyncRequestError(
        `resources[${index}] (kind ${resource.kind}) reads files (${files.join(", ")}), which the ${source.name} source cannot read`,
      );
    }
  }
  const indexes = config.resources.map((_, index) => index);
  if (!kinds || kinds.length === 0) return indexes;
  const configured = new Set(config.resources.map((r) => r.kind));
  const unknown = kinds.filter((k) => !configured.has(k));
  if (unknown.length > 0) {
    throw new ResyncRequestError(
      `--kinds: ${unknown.join(", ")} not in the config (it has ${[...configured].join(", ")})`,
    );
  }
  return indexes.filter((index) => kinds.includes(kindName(config, index)));
}

function kindName(config: PortAppConfig, resource: number): string {
  return config.resources[resource]?.kind ?? `#${resource}`;
}

/** The enumeration of one invocation: every resource in parallel until done or out of time. */
class Enumeration {
  stopped = false;
  resumeAt: number | undefined;
  readonly #deps: FanoutDeps;
  readonly #run: RunRecord;
  readonly #config: PortAppConfig;
  #lockTouchedAt = Date.now();
  #remaining: number;
  /** Per resource: where its pages' parts wait to share a message. */
  readonly #outboxes = new Map<number, Outbox>();
  /** Per resource: deliveries of partitions' last pages, still waiting for their message. */
  readonly #tails = new Map<number, Array<Promise<void>>>();
  /**
   * Per resource: what of an item its mapping reads, the rest left out of messages (none:
   * whole items), once checked on its first page of this invocation.
   */
  readonly #keeps = new Map<
    number,
    { plan: KeepPlan | undefined; checked?: Promise<KeepPlan | undefined> }
  >();
  /** Per resource: how many of its partitions are fetching a page right now. */
  readonly #fetchingNow = new Map<number, number>();
  /** Per resource: pages delivered since its progress was last written, and when that was. */
  readonly #unwritten = new Map<number, { pages: number; items: number; batches: number; at: number }>();
  /** Per resource that may skip partitions: their memos and the groups recording the skipped. */
  readonly #unchanged = new Map<number, UnchangedPartitions>();

  constructor(deps: FanoutDeps, run: RunRecord, config: PortAppConfig) {
    this.#deps = deps;
    this.#run = run;
    this.#config = config;
    this.#remaining = deps.remainingMs();
  }

  async run(): Promise<void> {
    await Promise.all(this.#run.resources.map((resource) => this.#resource(resource)));
  }

  #shouldStop(): boolean {
    if (this.stopped) return true;
    this.#remaining = this.#deps.remainingMs();
    if (this.#remaining < this.#deps.options.marginMs) this.stopped = true;
    return this.stopped;
  }

  /** How long a source may wait for a rate limit: what is left before the margin, as last read. */
  #budget(): number {
    return Math.max(0, this.#remaining - this.#deps.options.marginMs);
  }

  async #resource(resource: number): Promise<void> {
    const spec = this.#config.resources[resource];
    const found = spec && findKind(this.#deps.source, spec.kind);
    if (!spec || !found) return;
    const since = this.#run.incremental?.since;
    let kind: Kind;
    try {
      const listed = since === undefined ? found : changesOf(found, since);
      kind = resourceKind(this.#deps.source, listed, spec);
    } catch (error) {
      return this.#failed(resource, "files", error);
    }
    const outbox = new Outbox({
      runId: this.#run.runId,
      resource,
      kind: spec.kind,
      maxBytes: this.#deps.options.maxMessageBytes,
      lingerMs: this.#deps.options.lingerMs,
      send: (messages) => this.#send(messages),
    });
    this.#outboxes.set(resource, outbox);
    this.#tails.set(resource, []);
    this.#keeps.set(resource, { plan: messageKeep(spec) });
    try {
      await this.#enumerate(resource, spec, kind);
    } finally {
      await this.#drain(resource, outbox);
    }
  }

  /**
   * Enumeration end, stop or hand-off: what waits goes now, and every page is checkpointed.
   * Every delivery is awaited before the first failure is thrown: none is left unhandled.
   */
  async #drain(resource: number, outbox: Outbox): Promise<void> {
    const settled = await Promise.allSettled([
      outbox.flush(),
      ...(this.#tails.get(resource) ?? []),
      this.#unchanged.get(resource)?.flush(),
    ]);
    const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
    await this.#progress(resource, { pages: 0, items: 0, batches: 0 }, true);
  }

  async #enumerate(resource: number, spec: ResourceConfig, kind: Kind): Promise<void> {
    const { store } = this.#deps;
    const selector = selectorExtras(spec.selector);
    const saved = new Map(
      (await store.getCheckpoints(this.#run.runId, resource)).map((c) => [c.partition, c]),
    );
    const unchanged = UnchangedPartitions.for(this.#deps, this.#run, resource, spec, kind);
    if (unchanged) {
      this.#unchanged.set(resource, unchanged);
      // A partition recorded unchanged has no checkpoint of its own: its group says it is done.
      for (const partition of await store.unchangedPartitions(this.#run.runId, resource))
        if (!saved.has(partition))
          saved.set(partition, { resource, partition, cursor: null, seq: 0, done: true });
    }
    if (!kind.partitions) return this.#partition(resource, kind, selector, "", saved.get(""));
    const self = this;
    async function* partitions(listing: AsyncIterable<string>) {
      for await (const chunk of chunked(listing, MEMO_READ_AHEAD)) {
        const fresh = chunk.filter((partition) => !saved.has(partition));
        unchanged?.readAhead(fresh);
        for (const partition of chunk) {
          if (saved.get(partition)?.done) continue;
          if (self.#shouldStop()) return;
          yield partition;
        }
      }
    }
    try {
      const listing = kind.partitions({ selector, waitBudgetMs: this.#budget() });
      await forEachConcurrent(partitions(listing), this.#deps.options.partitionConcurrency, (partition) =>
        this.#partition(resource, kind, selector, partition, saved.get(partition)),
      );
    } catch (error) {
      // Rate limited while listing partitions: as for a page, the run continues later.
      if (error instanceof RetryLaterError) return this.#retryLater(error);
      await this.#failed(resource, "partitions", error);
    }
  }

  async #partition(
    resource: number,
    kind: Kind,
    selector: Record<string, unknown>,
    partition: string,
    checkpoint: Checkpoint | undefined,
  ): Promise<void> {
    if (checkpoint?.done) return;
    let seq = checkpoint?.seq ?? 0;
    const { memos } = this.#deps;
    // Validators are kept (in the checkpoints) only where a memo can come of them.
    let validators =
      memos && kind.unchanged ? (checkpoint?.validators ?? (checkpoint ? undefined : [])) : undefined;
    // Pages are delivered (sent, then checkpointed in order) while the next ones are fetched,
    // up to PAGES_AHEAD of them: a page does not wait for the last one's message to go.
    let delivering: Promise<void> = Promise.resolve();
    const ahead: Array<{ delivered: Promise<void>; sent: () => boolean }> = [];
    try {
      let ask = memos !== undefined && !checkpoint;
      const pages = kind.pages({
        selector,
        partition: partition === "" ? undefined : partition,
        cursor: (checkpoint?.cursor ?? undefined) as Page["cursor"] & {},
        waitBudgetMs: this.#budget(),
      });
      const iterator = pages[Symbol.asyncIterator]();
      let last = false;
      while (!last && !this.#shouldStop()) {
        const unchanged = ask ? this.#unchanged.get(resource) : undefined;
        if (unchanged) {
          // Asked here, as the first page would be: time is checked the same with memos or without.
          ask = false;
          const memo = await unchanged.skip(partition, { selector, waitBudgetMs: this.#budget() });
          if (memo)
            return this.#progress(resource, { pages: memo.validators.length, items: memo.items, batches: 0 });
        }
        const next = await this.#fetching(resource, () => iterator.next());
        const oldest = ahead.length >= PAGES_AHEAD ? ahead.shift() : undefined;
        if (oldest) {
          // Its message waits to fill, and nothing else of this resource is being fetched to fill it.
          if (!oldest.sent() && !this.#fetchingNow.get(resource)) this.#outboxes.get(resource)?.release();
          await oldest.delivered;
        }
        // A source may end without a last page saying so: close the partition all the same.
        const page: Page = next.done ? { items: [], cursor: null } : next.value;
        last = page.cursor === null;
        if (page.items.length > 0) this.#deps.examples?.offer(kindName(this.#config, resource), page.items);
        validators = addValidator(validators, page.validator);
        // Only what the mapping reads travels: messages hold more items, requests to Port fill up.
        const keep = await this.#keep(resource, page.items);
        const items = keep ? trimItems(page.items, keep) : page.items;
        const packed = packAll(items, this.#deps.options.maxMessageBytes);
        const first = seq;
        seq += packed.chunks.length + (packed.rejected.length > 0 ? 1 : 0);
        const state = { sent: false };
        const after = {
          previous: delivering,
          onSent: () => {
            state.sent = true;
          },
        };
        delivering = this.#deliver(resource, partition, page, packed, first, validators, after);
        delivering.catch(() => {});
        ahead.push({ delivered: delivering, sent: () => state.sent });
      }
      if (!last) await iterator.return?.();
    } catch (error) {
      await delivering.catch(() => {});
      return this.#partitionFailed(resource, partition, seq, error);
    }
    // The last page may wait for its message to fill: the partition's slot is free meanwhile.
    const tail = delivering.catch((error) => this.#partitionFailed(resource, partition, seq, error));
    // Its failure is thrown by the drain, which may come later than the failure (others still run).
    tail.catch(() => {});
    this.#tails.get(resource)?.push(tail);
  }

  /** What to keep of a resource's items: its plan, once its first page mapped the same trimmed as whole. */
  #keep(resource: number, items: readonly unknown[]): Promise<KeepPlan | undefined> | KeepPlan | undefined {
    const keep = this.#keeps.get(resource);
    if (!keep?.plan || items.length === 0) return keep?.checked ?? undefined;
    const { plan } = keep;
    keep.checked ??= keepAgrees(this.#config, resource, items, plan).then(
      (agrees) => {
        if (agrees) return plan;
        this.#deps.log.warn(
          "items go to the ingest whole: the mapping read more of them than its paths said",
          {
            runId: this.#run.runId,
            kind: kindName(this.#config, resource),
          },
        );
        return undefined;
      },
      // A page the mapping cannot take (its failures are the ingest's to report): whole items.
      () => undefined,
    );
    return keep.checked;
  }

  async #fetching<T>(resource: number, fetch: () => Promise<T>): Promise<T> {
    this.#fetchingNow.set(resource, (this.#fetchingNow.get(resource) ?? 0) + 1);
    try {
      return await fetch();
    } finally {
      this.#fetchingNow.set(resource, (this.#fetchingNow.get(resource) ?? 1) - 1);
    }
  }

  async #partitionFailed(resource: number, partition: string, seq: number, error: unknown): Promise<void> {
    if (error instanceof RetryLaterError) return this.#retryLater(error);
    await this.#failed(resource, partitionKey(partition), error, partition);
    await this.#checkpoint(resource, partition, { cursor: null, seq, done: true });
  }

  /** Registers every part of the messages, then sends them: a part is in the ledger before any ingest can settle it. */
  async #send(messages: IngestMessage[]): Promise<void> {
    const { store, queue } = this.#deps;
    for (const m of messages) {
      await store.registerBatches(
        m.runId,
        m.parts.map((p) => p.batch),
        m.resource,
      );
    }
    await queue.send(messages);
  }

  async #deliver(
    resource: number,
    partition: string,
    page: Page,
    packed: Packing,
    first: number,
    validators: PageValidator[] | undefined,
    after: { previous: Promise<void>; onSent: () => void },
  ): Promise<void> {
    const { store } = this.#deps;
    const runId = this.#run.runId;
    const kind = kindName(this.#config, resource);
    const outbox = this.#outboxes.get(resource) as Outbox;
    // Recorded with what it writes, so reconciliation can look at just this partition again.
    const carried =
      partition !== "" && Buffer.byteLength(JSON.stringify(partition)) <= MAX_PARTITION_BYTES
        ? { partition }
        : {};
    const parts = packed.chunks.map(({ items, bytes }, i) => {
      const part: MessagePart = { batch: batchId(resource, partition, first + i), ...carried, items };
      return outbox.add(part, bytes);
    });
    let end = first + parts.length;
    await Promise.all(parts);
    after.onSent();
    // Checkpoints in page order: a cursor never runs ahead of an earlier page still unsent.
    await after.previous;
    if (packed.rejected.length > 0) {
      // Items no message can carry fail here, as a batch of their own, so the run
      // counts them and ends failed rather than deleting their entities.
      const failures: Failure[] = packed.rejected.map(({ index, message }) => ({
        kind,
        item: itemKey(page.items[index]) ?? `#${index}`,
        message,
      }));
      await this.#settleFailures(resource, batchId(resource, partition, end++), failures, failures.length);
    }
    await this.#checkpoint(resource, partition, {
      cursor: page.cursor,
      seq: end,
      done: page.cursor === null,
      ...(validators ? { validators } : {}),
    });
    await this.#progress(resource, { pages: 1, items: page.items.length, batches: parts.length });
    if (Date.now() - this.#lockTouchedAt > LOCK_TOUCH_INTERVAL_MS) {
      this.#lockTouchedAt = Date.now();
      await store.touchLock(this.#run.integrationId, runId);
    }
  }

  /** Adds to a resource's live progress; writes it at most once a second, and at the end (`last`). */
  async #progress(resource: number, delta: { pages: number; items: number; batches: number }, last = false) {
    const p = this.#unwritten.get(resource) ?? { pages: 0, items: 0, batches: 0, at: 0 };
    p.pages += delta.pages;
    p.items += delta.items;
    p.batches += delta.batches;
    this.#unwritten.set(resource, p);
    if (p.pages === 0 || (!last && Date.now() - p.at < PROGRESS_INTERVAL_MS)) return;
    const { pages, items, batches } = p;
    this.#unwritten.set(resource, { pages: 0, items: 0, batches: 0, at: Date.now() });
    await this.#deps.store.addProgress(this.#run.runId, resource, { pages, items, batches });
  }

  /** The source asked to come back later: stop here; a continuation resumes then. */
  #retryLater(error: RetryLaterError): void {
    this.stopped = true;
    this.resumeAt = Math.max(this.resumeAt ?? 0, error.resumeAt.getTime());
    this.#deps.log.warn("source asked to slow down; the run continues later", {
      runId: this.#run.runId,
      resumeAt: error.resumeAt.toISOString(),
    });
  }

  #checkpoint(resource: number, partition: string, at: Omit<Checkpoint, "resource" | "partition">) {
    return this.#deps.store.saveCheckpoint(this.#run.runId, { resource, partition, ...at });
  }

  async #failed(resource: number, where: string, error: unknown, partition?: string): Promise<void> {
    const kind = kindName(this.#config, resource);
    const message = `${partition ? `partition ${partition}: ` : ""}${(error as Error).message ?? String(error)}`;
    this.#deps.log.error("enumeration failed", { runId: this.#run.runId, kind, error: message });
    const failure: Failure = { kind, message, status: (error as { status?: number }).status };
    await this.#settleFailures(resource, `${resource}:${where}:error`, [failure], 0);
  }

  async #settleFailures(resource: number, batch: string, failures: Failure[], items: number): Promise<void> {
    const { store } = this.#deps;
    await store.registerBatch(this.#run.runId, batch, resource);
    await store.settleBatch(this.#run.runId, {
      batch,
      resource,
      state: "done",
      items,
      entities: 0,
      unchanged: 0,
      filtered: 0,
      // Every failure counted, a sample kept: a page of unsendable items stays one small record.
      failures: failures.slice(0, MAX_BATCH_FAILURES),
      failureCount: failures.length,
      seen: {},
    });
    await store.addProgress(this.#run.runId, resource, { failures: failures.length }, failures);
  }
}

interface Packing {
  chunks: Array<{ items: unknown[]; bytes: number }>;
  /** Items no message can carry, and why. */
  rejected: Array<{ index: number; message: string }>;
}

function packAll(items: readonly unknown[], maxBytes: number): Packing {
  const packing: Packing = { chunks: [], rejected: [] };
  for (const packed of packItems(items, maxBytes)) {
    if ("tooLarge" in packed) {
      const { index, bytes } = packed.tooLarge;
      const message = `raw item is ${bytes} bytes, more than a message can carry (${maxBytes})`;
      packing.rejected.push({ index, message });
    } else if ("unsendable" in packed) {
      const { index, reason } = packed.unsendable;
      packing.rejected.push({ index, message: `raw item cannot be put in a message: ${reason}` });
    } else packing.chunks.push(packed);
  }
  return packing;
}

/** The selector's source options: everything but the jq `query`. */
export function selectorExtras(selector: Record<string, unknown> | undefined): Record<string, unknown> {
  const { query: _, ...extras } = selector ?? {};
  return extras;
}
