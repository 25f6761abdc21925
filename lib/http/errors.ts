import { TideError } from "../errors.ts";
/**
 * Thrown when a request failed at the network level (reset, refused, timeout) on every
 * attempt. The URL is given without its query string, which may carry secrets.
 */
export class NetworkError extends TideError {
  override readonly name = "NetworkError";
  readonly method: string;
  readonly path: string;
  readonly attempts: number;

  constructor(method: string, path: string, attempts: number, cause: unknown) {
    const reason = cause instanceof Error ? describeCause(cause) : String(cause);
    super(`${method} ${path} failed after ${attempts} attempt(s): ${reason}`, { cause });
    this.method = method;
    this.path = path;
    this.attempts = attempts;
  }
}

/**
 * Thrown instead of sleeping when the wait an API demands (Retry-After, a rate-limit reset)
 * is longer than the caller's budget: a Lambda can checkpoint and go on at `resumeAt`.
 *
 * @example
 * try { await client.request({ method: "GET", path: "/orgs/acme/repos", waitBudgetMs: 30_000 }); }
 * catch (error) { if (error instanceof RetryLaterError) await checkpoint(error.resumeAt); }
 */
export class RetryLaterError extends TideError {
  override readonly name = "RetryLaterError";
  readonly resumeAt: Date;
  readonly status: number | undefined;

  constructor(path: string, resumeAt: Date, status?: number) {
    super(`${path}: rate limited; resume at ${resumeAt.toISOString()}`);
    this.resumeAt = resumeAt;
    this.status = status;
  }
}

function describeCause(error: Error): string {
  const code = (error as { code?: unknown }).code;
  return typeof code === "string" ? `${code} (${error.message})` : error.message;
}
