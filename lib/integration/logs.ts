import type { Logger } from "../pipeline/logger.ts";
import type { IntegrationLogLine } from "../port/integration.ts";
import { maskSecrets } from "./mask.ts";

/** Where log lines go: a `PortClient` fits (`postLogs` to the integration's ingest URL). */
export interface LogSink {
  postLogs(ingestUrl: string, logs: IntegrationLogLine[]): Promise<void>;
}

export interface PortLogOptions {
  /** Lines per request. Default 50. */
  batchSize?: number;
  /** A partial batch waits at most this long. Default 1 s. */
  flushAfterMs?: number;
  /** Lines kept while Port is slow; older ones are dropped past it. Default 1000. */
  maxBuffered?: number;
  /** How long `close()` waits for the last batches. Default 5 s. */
  closeTimeoutMs?: number;
}

const LEVEL = { info: "INFO", warn: "WARNING", error: "ERROR" } as const;
const MAX_EXTRA_CHARS = 4_000;

/**
 * The run's log lines in Port (the integration's page): a {@link Logger} that passes every line
 * to the local one and queues info, warnings and errors for the integration's log ingest URL,
 * sent in batches in the background. Shipping never blocks or fails the run: a failed batch is
 * dropped with one local warning.
 *
 * @example
 * const shipped = new PortLog(port, integration.logAttributes.ingestUrl, console);
 * await runSomething({ log: shipped.logger });
 * await shipped.close();
 */
export class PortLog {
  readonly logger: Logger;
  /** Lines Port accepted, and lines dropped (Port failed or the buffer overflowed). */
  readonly counts = { sent: 0, dropped: 0 };
  readonly #sink: LogSink;
  readonly #url: string;
  readonly #local: Logger;
  readonly #options: Required<PortLogOptions>;
  readonly #buffer: IntegrationLogLine[] = [];
  readonly #inFlight = new Set<Promise<void>>();
  #timer: NodeJS.Timeout | undefined;
  #warned = false;

  constructor(sink: LogSink, ingestUrl: string, local: Logger, options: PortLogOptions = {}) {
    this.#sink = sink;
    this.#url = ingestUrl;
    this.#local = local;
    this.#options = {
      batchSize: 50,
      flushAfterMs: 1_000,
      maxBuffered: 1_000,
      closeTimeoutMs: 5_000,
      ...options,
    };
    const tee =
      (level: keyof typeof LEVEL) =>
      (message: string, ...extra: Array<Record<string, unknown>>) => {
        local[level](message, ...extra);
        this.#push(LEVEL[level], message, extra);
      };
    this.logger = {
      debug: (m, ...e) => local.debug(m, ...e),
      info: tee("info"),
      warn: tee("warn"),
      error: tee("error"),
    };
  }

  /** Queues one line for Port only (e.g. a failure already printed elsewhere). */
  line(level: IntegrationLogLine["level"], message: string, extra?: Record<string, unknown>): void {
    this.#push(level, message, extra ? [extra] : []);
  }

  /** Sends what is queued and waits (at most `closeTimeoutMs`) for every batch in flight. */
  async close(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    while (this.#buffer.length > 0) this.#send();
    const all = Promise.allSettled([...this.#inFlight]);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, this.#options.closeTimeoutMs);
      timer.unref();
    });
    await Promise.race([all, timeout]);
    clearTimeout(timer);
  }

  #push(level: IntegrationLogLine["level"], message: string, extra: Array<Record<string, unknown>>) {
    const merged =
      extra.length > 0 ? (maskSecrets(Object.assign({}, ...extra)) as Record<string, unknown>) : undefined;
    const line: IntegrationLogLine = { level, message, timestamp: new Date().toISOString() };
    if (merged) line.extra = bounded(merged);
    this.#buffer.push(line);
    if (this.#buffer.length > this.#options.maxBuffered) {
      this.#buffer.shift();
      this.counts.dropped++;
    }
    if (this.#buffer.length >= this.#options.batchSize) this.#send();
    else if (!this.#timer) {
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.#send();
      }, this.#options.flushAfterMs);
      this.#timer.unref();
    }
  }

  #send(): void {
    const batch = this.#buffer.splice(0, this.#options.batchSize);
    if (batch.length === 0) return;
    const sent = this.#sink.postLogs(this.#url, batch).then(
      () => {
        this.counts.sent += batch.length;
      },
      (error: unknown) => {
        this.counts.dropped += batch.length;
        if (!this.#warned) {
          this.#warned = true;
          this.#local.warn("could not send log lines to Port; the run goes on", {
            error: (error as Error).message,
          });
        }
      },
    );
    this.#inFlight.add(sent);
    void sent.finally(() => this.#inFlight.delete(sent));
  }
}

/** Keeps a line's extra small: a run summary fits, a whole item list does not. */
function bounded(extra: Record<string, unknown>): Record<string, unknown> {
  const text = JSON.stringify(extra);
  if (text.length <= MAX_EXTRA_CHARS) return extra;
  return { truncated: `${text.slice(0, MAX_EXTRA_CHARS)}…` };
}
