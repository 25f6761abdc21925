export {
  defaultIsRetryable,
  HttpClient,
  type HttpClientOptions,
  type HttpRequest,
  type HttpResponse,
  type RetryEvent,
  type RetryOptions,
} from "./client.ts";
export { type Clock, realClock } from "./clock.ts";
export { sharedDispatcher } from "./dispatcher.ts";
export { NetworkError, RetryLaterError } from "./errors.ts";
export { parseJsonBytes } from "./json-bytes.ts";
export { RateLimitGate } from "./rate-limit.ts";
export {
  backoffMs,
  type Headers,
  header,
  rateLimitRemaining,
  rateLimitResetAt,
  retryAfterMs,
} from "./retry-after.ts";
