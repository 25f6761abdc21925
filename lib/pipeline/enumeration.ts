import { RetryLaterError } from "../http/errors.ts";
import type { PortAppConfig, ResourceConfig } from "../mapping/index.ts";
import { itemKey } from "../mapping/item-key.ts";
import { type KeepPlan, keepAgrees, messageKeep, trimItems } from "../mapping/message-keep.ts";
import { findKind } from "../source/kinds.ts";
import type { Kind, Page, PageValidator } from "../source/types.ts";
import { MAX_BATCH_FAILURES } from "./caps.ts";
import { chunked } from "./chunked.ts";
import type { FanoutDeps } from "./fanout.ts";
import { batchId, partitionKey } from "./ids.ts";
import { changesOf } from "./incremental.ts";
import { addValidator } from "./memo.ts";
import type { IngestMessage, MessagePart } from "./message.ts";
import { Outbox } from "./outbox.ts";
import { packItems } from "./pack.ts";
import { forEachConcurrent } from "./pool.ts";
import { resourceKind } from "./resource-kind.ts";
import type { Checkpoint, Failure, RunRecord } from "./run.ts";
import { UnchangedPartitions } from "./unchanged-partitions.ts";

const LOCK_TOUCH_INTERVAL_MS = 30_000;
/** Live progress is for watching: one write a second per resource, not one a page. */
const PROGRESS_INTERVAL_MS = 1_000;
/**
 * Pages of one partition delivered at once: enough for a message to fill from one partition
 * before its linger ends, few enough to bound what one invocation holds unsent.
 */
const PAGES_AHEAD = 8;

/** A page as its delivery needs it: where it ends, how many items, how its rejected items are named. */
interface DeliveredPage {
  cursor: Page["cursor"];
  items: number;
  /** The names of the items no message can carry (`packed.rejected`), in its order. */
  rejected: string[];
}
/** A partition name a message carries: within the envelope's room (`ENVELOPE_BYTES`). */
const MAX_PARTITION_BYTES = 200;
/** Partitions whose memos are read in one request (a page of GitHub's repository listing). */
const MEMO_READ_AHEAD = 100;

/** A resource's kind, for logs and failures (`#3` for a resource the config no longer has). */
export function kindName(config: PortAppConfig, resource: number): string {
  return config.resources[resource]?.kind ?? `#${resource}`;
}

/**
 * The enumeration of one fanout invocation: every resource in parallel, each partition's pages
 * trimmed, packed into messages and checkpointed in order, until done or out of time.
 */
export class Enumeration {
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
        // A source may end without a last page saying so: close the partition all the same.
        const page: Page = next.done ? { items: [], cursor: null } : next.value;
        last = page.cursor === null;
        validators = addValidator(validators, page.validator);
        // Trimmed and packed before waiting for an earlier page's delivery (up to the linger):
        // the raw page, megabytes of parsed items, is not held through that wait.
        const { packed, delivered } = await this.#prepare(resource, page);
        const oldest = ahead.length >= PAGES_AHEAD ? ahead.shift() : undefined;
        if (oldest) {
          // Its message waits to fill, and nothing else of this resource is being fetched to fill it.
          if (!oldest.sent() && !this.#fetchingNow.get(resource)) this.#outboxes.get(resource)?.release();
          await oldest.delivered;
        }
        const first = seq;
        seq += packed.chunks.length + (packed.rejected.length > 0 ? 1 : 0);
        const state = { sent: false };
        const after = {
          previous: delivering,
          onSent: () => {
            state.sent = true;
          },
        };
        delivering = this.#deliver(resource, partition, delivered, packed, first, validators, after);
        delivering.catch(() => {});
        ahead.push({ delivered: delivering, sent: () => state.sent });
      }
      if (!last) await iterator.return?.();
    } catch (error) {
      // Its pages still waiting for a message go now: the failure does not wait out the linger.
      this.#outboxes.get(resource)?.release();
      await delivering.catch(() => {});
      return this.#partitionFailed(resource, partition, seq, error);
    }
    // The last page may wait for its message to fill: the partition's slot is free meanwhile.
    const tail = delivering.catch((error) => this.#partitionFailed(resource, partition, seq, error));
    // Its failure is thrown by the drain, which may come later than the failure (others still run).
    tail.catch(() => {});
    this.#tails.get(resource)?.push(tail);
  }

  /**
   * A page's items as messages will carry them (only what the mapping reads: messages hold more
   * items, requests to Port fill up), and what its delivery needs of it; not the page itself,
   * which up to PAGES_AHEAD deliveries a partition would otherwise hold.
   */
  async #prepare(resource: number, page: Page): Promise<{ packed: Packing; delivered: DeliveredPage }> {
    if (page.items.length > 0) this.#deps.examples?.offer(kindName(this.#config, resource), page.items);
    const keep = await this.#keep(resource, page.items);
    const items = keep ? trimItems(page.items, keep) : page.items;
    const packed = packAll(items, this.#deps.options.maxMessageBytes);
    const delivered: DeliveredPage = {
      cursor: page.cursor,
      items: page.items.length,
      rejected: packed.rejected.map(({ index }) => itemKey(page.items[index]) ?? `#${index}`),
    };
    return { packed, delivered };
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
    page: DeliveredPage,
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
      const failures: Failure[] = packed.rejected.map(({ message }, i) => ({
        kind,
        item: page.rejected[i] as string,
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
    await this.#progress(resource, { pages: 1, items: page.items, batches: parts.length });
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
