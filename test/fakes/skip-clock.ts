import { subscribe } from "node:diagnostics_channel";
import { setTimeout as delay, setImmediate as turn } from "node:timers/promises";
import type { Clock } from "../../lib/http/clock.ts";

/** Wall time with sub-millisecond precision, the same in every thread. */
const wallNow = () => performance.timeOrigin + performance.now();

/** Reads the simulated time of a {@link SkipClock} from its shared offset (in a fake's worker thread). */
export function sharedNow(shared: SharedArrayBuffer): () => number {
  const offset = new Float64Array(shared);
  return () => wallNow() + (offset[0] ?? 0);
}

/**
 * A clock on which work takes its real time but waiting takes none: `sleep(ms)` moves the
 * time forward to its end at once. Rate-limit windows of an hour then pass as soon as every
 * part of the pipeline that must wait for them does, while mapping, queueing and HTTP still
 * cost what they cost. A wait computed from a shared deadline (a rate
 * limit's reset, a paced slot) finds it passed once another waiter moved the time there. The offset lives in shared memory: fakes in worker
 * threads read the same time ({@link sharedNow}).
 *
 * @example
 * const clock = new SkipClock();
 * await clock.sleep(3_600_000); // returns at once, an hour later
 */
export class SkipClock implements Clock {
  readonly shared = new SharedArrayBuffer(8);
  readonly #offset = new Float64Array(this.shared);
  readonly #overlapWork: boolean;
  /** With `overlapWork`: the sleepers, by when they wake. */
  readonly #sleepers = new Set<Sleeper>();
  #watching = false;

  /**
   * @param options.overlapWork Waits pass in real time while this thread is busy with other
   *   work (its event loop more than half used over a step of up to 20 ms, or an HTTP request of
   *   its own still unanswered: the fakes in other threads work too); once it is idle, the
   *   time skips to the earliest sleeper's wake. The ingest's backlog then runs during the
   *   fanout's wait for a rate-limit window, as it would in reality, and a short wait (Port's
   *   pacing) still ends before a long one (GitHub's window). Without it a wait skips at once
   *   and the work overlapping it counts again after it (time overstated, never understated).
   */
  constructor(options: { overlapWork?: boolean } = {}) {
    this.#overlapWork = options.overlapWork ?? false;
    if (this.#overlapWork) watchRequests();
  }

  /** Simulated milliseconds skipped so far. */
  get skippedMs(): number {
    return this.#offset[0] ?? 0;
  }

  now = (): number => wallNow() + this.skippedMs;

  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    signal?.throwIfAborted();
    if (this.#overlapWork && ms > 0) await this.#until(this.now() + ms, signal);
    else if (ms > 0) {
      // Waits begun one after the other add up even if they overlapped in reality (only Port's
      // retry-after waits can, each answer computing its own): the time is overstated, never understated.
      this.#offset[0] = this.skippedMs + ms;
    }
    // Whoever else is ready runs before the sleeper goes on, as after a real wait.
    await turn();
    signal?.throwIfAborted();
  };

  #until(wake: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const abort = () => {
        this.#sleepers.delete(sleeper);
        reject(signal?.reason);
      };
      const sleeper: Sleeper = {
        wake,
        resolve: () => {
          signal?.removeEventListener("abort", abort);
          resolve();
        },
      };
      this.#sleepers.add(sleeper);
      signal?.addEventListener("abort", abort, { once: true });
      if (!this.#watching) void this.#watch();
    });
  }

  /** One loop for all sleepers: wake the due ones; when the thread was idle, skip to the next wake. */
  async #watch(): Promise<void> {
    this.#watching = true;
    try {
      while (this.#sleepers.size > 0) {
        const before = performance.eventLoopUtilization();
        await delay(Math.max(0, Math.min(BUSY_STEP_MS, this.#nextWake() - this.now())));
        // An answer awaited is work too: the fakes (other threads) take their real time.
        const idle = performance.eventLoopUtilization(before).utilization < BUSY && requestsInFlight === 0;
        // Read again: a sleeper that came during the step may wake sooner.
        const next = this.#nextWake();
        if (idle && next > this.now()) this.#offset[0] = this.skippedMs + (next - this.now());
        const now = this.now();
        for (const sleeper of this.#sleepers) {
          if (sleeper.wake > now) continue;
          this.#sleepers.delete(sleeper);
          sleeper.resolve();
        }
      }
    } finally {
      this.#watching = false;
    }
  }

  #nextWake(): number {
    let next = Number.POSITIVE_INFINITY;
    for (const sleeper of this.#sleepers) next = Math.min(next, sleeper.wake);
    return next;
  }
}

interface Sleeper {
  wake: number;
  resolve(): void;
}

/** HTTP requests this thread has sent and not yet had answered (undici's diagnostics channels). */
let requestsInFlight = 0;
let watchingRequests = false;
const pending = new WeakSet<object>();

function watchRequests(): void {
  if (watchingRequests) return;
  watchingRequests = true;
  subscribe("undici:request:create", (message) => {
    pending.add((message as { request: object }).request);
    requestsInFlight++;
  });
  const done = (message: unknown) => {
    const { request } = message as { request: object };
    if (pending.delete(request)) requestsInFlight--;
  };
  subscribe("undici:request:trailers", done);
  subscribe("undici:request:error", done);
}

const BUSY_STEP_MS = 20;
const BUSY = 0.5;
