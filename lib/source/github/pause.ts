import { type Clock, realClock } from "../../http/clock.ts";
import { RetryLaterError } from "../../http/errors.ts";

export { type Clock, realClock };

/** The longest single pause, however many secondary limits in a row. */
const MAX_PAUSE_MS = 3_600_000;

/**
 * One pause shared by every request of a GitHub client. GitHub's rules: after a secondary
 * limit wait `retry-after`, or at least a minute without it, and longer each time it hits
 * again ("back off exponentially"); after the primary limit, wait for its reset. While paused,
 * no request starts — GitHub counts requests sent during a limit against the integration.
 * A wait longer than the caller's budget becomes {@link RetryLaterError}, so a Lambda
 * checkpoints and a continuation resumes at `resumeAt` instead of sleeping.
 */
export class GitHubPause {
  readonly #clock: Clock;
  #until = 0;
  /** Secondary limits in a row: each doubles the next wait. */
  #streak = 0;
  /** The status that began the pause (403 or 429), for the error a long pause becomes. */
  #status: number | undefined;

  constructor(clock: Clock = realClock) {
    this.#clock = clock;
  }

  /** Until when requests wait, epoch ms (in the past when not paused). */
  get until(): number {
    return this.#until;
  }

  /**
   * A secondary limit: `retryAfterSec` is `retry-after`, or the one-minute fallback when
   * GitHub sent none (as `@octokit/plugin-throttling` computes it). Limits answered to
   * requests sent before the last pause ended do not double it again, however late the
   * answer comes: `startedAt` is when the limited request went out (default now).
   */
  secondary(retryAfterSec: number, status?: number, startedAt?: number): number {
    const now = this.#clock.now();
    this.#status = status;
    if ((startedAt ?? now) >= this.#until) this.#streak += 1;
    const wait = Math.min(MAX_PAUSE_MS, retryAfterSec * 1000 * 2 ** Math.max(0, this.#streak - 1));
    this.#until = Math.max(this.#until, now + wait);
    return this.#until - now;
  }

  /** The primary limit is spent: `retryAfterSec` runs to a second after its reset. */
  primary(retryAfterSec: number, status?: number): number {
    const now = this.#clock.now();
    this.#status = status;
    this.#until = Math.max(this.#until, now + retryAfterSec * 1000);
    return this.#until - now;
  }

  /** A request that started at `startedAt` succeeded: a later limit starts the backoff anew. */
  succeeded(startedAt: number): void {
    if (startedAt >= this.#until) this.#streak = 0;
  }

  /**
   * Waits out the pause, if any. `budgetMs` is what the caller may still wait.
   *
   * @throws {RetryLaterError} when the pause lasts longer than the budget.
   */
  async wait(path: string, budgetMs: number, signal?: AbortSignal): Promise<number> {
    const left = this.#until - this.#clock.now();
    if (left <= 0) return 0;
    if (left > budgetMs) throw new RetryLaterError(path, new Date(this.#until), this.#status);
    await this.#clock.sleep(left, signal);
    return left;
  }
}
