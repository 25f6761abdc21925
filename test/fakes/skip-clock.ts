import { setImmediate as turn } from "node:timers/promises";
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

  /** Simulated milliseconds skipped so far. */
  get skippedMs(): number {
    return this.#offset[0] ?? 0;
  }

  now = (): number => wallNow() + this.skippedMs;

  sleep = async (ms: number, signal?: AbortSignal): Promise<void> => {
    signal?.throwIfAborted();
    // Waits begun one after the other add up even if they overlapped in reality (only Port's
    // retry-after waits can, each answer computing its own): the time is overstated, never understated.
    if (ms > 0) this.#offset[0] = this.skippedMs + ms;
    // Whoever else is ready runs before the sleeper goes on, as after a real wait.
    await turn();
    signal?.throwIfAborted();
  };
}
