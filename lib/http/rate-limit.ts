import { type Clock, realClock } from "./clock.ts";
import { RetryLaterError } from "./errors.ts";
import { type Headers, header, rateLimitRemaining, rateLimitResetAt } from "./retry-after.ts";

export interface RateLimitGateOptions {
  /**
   * Below this share of `x-ratelimit-limit` left in the window, requests are paced so the
   * remainder lasts until the reset instead of being spent at once and answered with 429.
   */
  lowWatermark?: number;
  now?: () => number;
  /** How a paced request waits (default a real timer; the rate-limit benchmark runs a faster clock). */
  sleep?: Clock["sleep"];
}

/**
 * Slows a client down before the server has to: it reads the rate-limit headers of every
 * response and, once the remaining budget runs low, spaces the next requests evenly over
 * what is left of the window. Shared by every request of one client, so concurrent
 * requests draw from one budget.
 */
export class RateLimitGate {
  readonly #lowWatermark: number;
  readonly #now: () => number;
  readonly #sleep: Clock["sleep"];
  #remaining: number | undefined;
  #limit: number | undefined;
  /** The most remaining seen: stands in for the limit when the server does not send one. */
  #mostSeen = 0;
  #resetAt: number | undefined;
  #nextSlotAt = 0;

  constructor(options: RateLimitGateOptions = {}) {
    this.#lowWatermark = options.lowWatermark ?? 0.1;
    this.#now = options.now ?? realClock.now;
    this.#sleep = options.sleep ?? realClock.sleep;
  }

  /** Record what a response said about the window. */
  observe(headers: Headers): void {
    const remaining = rateLimitRemaining(headers);
    if (remaining === undefined) return;
    const now = this.#now();
    const resetAt = rateLimitResetAt(headers, now);
    const limit = Number(header(headers, "x-ratelimit-limit"));
    // Responses arrive out of order: within one window keep the lowest figure seen.
    const sameWindow =
      this.#resetAt !== undefined && resetAt !== undefined && Math.abs(resetAt - this.#resetAt) < 1000;
    this.#remaining =
      sameWindow && this.#remaining !== undefined ? Math.min(this.#remaining, remaining) : remaining;
    // A new window's pacing starts afresh: slots reserved in the last one are over.
    if (!sameWindow) this.#nextSlotAt = 0;
    this.#resetAt = resetAt;
    this.#mostSeen = Math.max(this.#mostSeen, remaining);
    if (Number.isFinite(limit) && limit > 0) this.#limit = limit;
  }

  /** How long the next request should wait, reserving its slot. 0 when the budget is healthy. */
  reserve(): number {
    const now = this.#now();
    if (this.#remaining === undefined || this.#resetAt === undefined || this.#resetAt <= now) return 0;
    const low = Math.max(1, Math.ceil((this.#limit ?? this.#mostSeen) * this.#lowWatermark));
    if (this.#remaining > low) {
      this.#remaining -= 1;
      return 0;
    }
    const left = this.#resetAt - now;
    if (this.#remaining <= 0) return left;
    const interval = left / this.#remaining;
    // Never past the reset: from then on the next window's budget serves the request.
    const slot = Math.min(Math.max(now, this.#nextSlotAt), this.#resetAt);
    this.#nextSlotAt = slot + interval;
    this.#remaining -= 1;
    return slot - now;
  }

  /**
   * Wait for this request's turn. Throws {@link RetryLaterError} when the wait exceeds
   * `budgetMs`, so the caller can checkpoint rather than sleep.
   */
  async acquire(path: string, budgetMs = Number.POSITIVE_INFINITY, signal?: AbortSignal): Promise<void> {
    const wait = this.reserve();
    if (wait <= 0) return;
    if (wait > budgetMs) throw new RetryLaterError(path, new Date(this.#now() + wait));
    await this.#sleep(wait, signal);
  }
}
