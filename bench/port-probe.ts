/**
 * Watches the HTTP requests this process sends to one origin (undici's diagnostics
 * channels): how many, how long each took, and how many were in flight on average. It tells
 * whether a pipeline kept Port busy, and what one round trip really cost on this machine.
 */
import { subscribe, unsubscribe } from "node:diagnostics_channel";

export interface ProbeReport {
  requests: number;
  /** Time-weighted mean of requests in flight, from `start()` to `until`. */
  meanInFlight: number;
  p50Ms: number;
  p90Ms: number;
}

interface RequestMessage {
  request: { origin?: unknown };
}

export class OriginProbe {
  readonly #origin: string;
  readonly #started = new WeakMap<object, number>();
  readonly #durations: number[] = [];
  /** Every change of the in-flight count: [time, count after]. */
  readonly #changes: Array<[number, number]> = [];
  #inFlight = 0;
  #from = 0;

  constructor(origin: string) {
    this.#origin = origin;
  }

  readonly #onCreate = (message: unknown) => {
    const { request } = message as RequestMessage;
    if (!String(request.origin).startsWith(this.#origin)) return;
    this.#started.set(request, performance.now());
    this.#changes.push([performance.now(), ++this.#inFlight]);
  };

  readonly #onDone = (message: unknown) => {
    const { request } = message as RequestMessage;
    const started = this.#started.get(request);
    if (started === undefined) return;
    this.#started.delete(request);
    this.#durations.push(performance.now() - started);
    this.#changes.push([performance.now(), --this.#inFlight]);
  };

  start(): void {
    this.#from = performance.now();
    subscribe("undici:request:create", this.#onCreate);
    subscribe("undici:request:trailers", this.#onDone);
    subscribe("undici:request:error", this.#onDone);
  }

  /** Stops watching; the in-flight mean covers `start()` to `until` (default now). */
  stop(until = performance.now()): ProbeReport {
    unsubscribe("undici:request:create", this.#onCreate);
    unsubscribe("undici:request:trailers", this.#onDone);
    unsubscribe("undici:request:error", this.#onDone);
    let area = 0;
    let previous: [number, number] = [this.#from, 0];
    for (const change of this.#changes) {
      if (change[0] > until) break;
      area += previous[1] * (change[0] - previous[0]);
      previous = change;
    }
    area += previous[1] * Math.max(0, until - previous[0]);
    const sorted = [...this.#durations].sort((a, b) => a - b);
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0;
    const span = until - this.#from;
    return {
      requests: sorted.length,
      meanInFlight: span > 0 ? area / span : 0,
      p50Ms: at(0.5),
      p90Ms: at(0.9),
    };
  }
}
