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

  /**
   * @param options.overlapWork A wait lasts in real time while this thread is still busy with
   *   other work (its event loop more than half used over each 20 ms) and skips only what is
   *   left once the thread is idle: the ingest's backlog then runs during the fanout's wait for a
   *   rate-limit window, as it would in reality, instead of after it. Without it a wait skips at
   *   once and the work overlapping it counts again after it (time overstated, never understated).
   */
  constructor(options: { overlapWork?: boolean } = {}) {
    this.#overlapWork = options.overlapWork ?? false;
  }

  /** Simulated milliseconds skipped so far. */
  get skippedMs(): number {
    return this.#offset[0] ?? 0;
  }

  now = (): number => wallNow() + this.skippedMs;

  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    signal?.throwIfAborted();
    if (this.#overlapWork) await this.#whileBusy(this.now() + ms, signal);
    else if (ms > 0) {
      // Waits begun one after the other add up even if they overlapped in reality (only Port's
      // retry-after waits can, each answer computing its own): the time is overstated, never understated.
      this.#offset[0] = this.skippedMs + ms;
    }
    // Whoever else is ready runs before the sleeper goes on, as after a real wait.
    await turn();
    signal?.throwIfAborted();
  };

  /** Waits in real time while the thread works, then skips to `wake` (if another sleeper has not). */
  async #whileBusy(wake: number, signal: AbortSignal | undefined): Promise<void> {
    while (this.now() < wake) {
      const before = performance.eventLoopUtilization();
      await delay(Math.min(BUSY_STEP_MS, wake - this.now()));
      signal?.throwIfAborted();
      if (performance.eventLoopUtilization(before).utilization < BUSY) break;
    }
    const left = wake - this.now();
    if (left > 0) this.#offset[0] = this.skippedMs + left;
  }
}

const BUSY_STEP_MS = 20;
const BUSY = 0.5;
