import cliProgress from "cli-progress";
import type { ResourceProgress } from "../pipeline/run.ts";
import type { CliIO } from "./command.ts";

export interface Progress {
  update(progress: ResourceProgress[]): void;
  stop(): void;
}

/**
 * Live progress of a resync per kind: bars on a terminal (cli-progress), a plain line every
 * few seconds otherwise (CI logs, pipes, `NO_COLOR`, `TERM=dumb`), nothing with `--json` or
 * `--quiet`. A kind still being listed says so (its total is not known yet); once listed, it
 * shows an ETA. Rates are over the last {@link RATE_WINDOW_MS}, not since the start, so a
 * slow first page or a rate-limit pause does not skew them for the rest of the run.
 */
export function createProgress(io: CliIO, options: { quiet: boolean }): Progress {
  if (options.quiet) return { update() {}, stop() {} };
  const plain = !io.stderr.isTTY || io.env.NO_COLOR !== undefined || io.env.TERM === "dumb";
  return plain ? new LineProgress(io) : new BarProgress(io);
}

export const RATE_WINDOW_MS = 30_000;

/** Items done per second over a sliding window of samples. */
export class WindowRate {
  readonly #samples: Array<{ at: number; done: number }> = [];
  readonly #windowMs: number;

  constructor(windowMs = RATE_WINDOW_MS) {
    this.#windowMs = windowMs;
  }

  /** Records `done` at `at` (ms) and returns the rate per second over the window. */
  add(done: number, at = Date.now()): number {
    this.#samples.push({ at, done });
    while (this.#samples.length > 2 && (this.#samples[1]?.at ?? at) <= at - this.#windowMs)
      this.#samples.shift();
    const first = this.#samples[0];
    if (!first || at - first.at <= 0) return 0;
    return ((done - first.done) * 1000) / (at - first.at);
  }
}

/** What one kind's progress line says: done of total, still listing or an ETA, the recent rate. */
export interface KindLine {
  done: number;
  total: number;
  rate: number;
  /** "still listing", "ETA 1m20s", "done", or "" while the rate is unknown. */
  eta: string;
}

export function kindLine(p: ResourceProgress, rate: number): KindLine {
  const done = p.entities + p.failures;
  const total = p.items;
  let eta = "";
  if (!p.enumerated) eta = "still listing";
  else if (done >= total) eta = "done";
  else if (rate > 0) eta = `ETA ${formatSeconds((total - done) / rate)}`;
  return { done, total, rate: Math.round(rate), eta };
}

export function formatSeconds(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, "0")}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, "0")}m`;
}

class BarProgress implements Progress {
  readonly #bars = new Map<number, cliProgress.SingleBar>();
  readonly #rates = new Map<number, WindowRate>();
  readonly #multi: cliProgress.MultiBar;

  constructor(io: CliIO) {
    this.#multi = new cliProgress.MultiBar(
      {
        stream: io.stderr as NodeJS.WritableStream,
        format:
          " {kind} |{bar}| {entities}/{items} entities · {pages} pages · {failures} failed · {rate}/s {eta}",
        barsize: 24,
        hideCursor: true,
        clearOnComplete: false,
        forceRedraw: true,
      },
      cliProgress.Presets.shades_classic,
    );
  }

  update(progress: ResourceProgress[]): void {
    const width = Math.max(...progress.map((p) => p.kind.length));
    for (const p of progress) {
      const rate = this.#rates.get(p.resource) ?? new WindowRate();
      this.#rates.set(p.resource, rate);
      const line = kindLine(p, rate.add(p.entities + p.failures));
      const payload = {
        kind: p.kind.padEnd(width),
        entities: p.entities,
        items: `${p.items}${p.enumerated ? "" : "+"}`,
        pages: p.pages,
        failures: p.failures,
        rate: line.rate,
        eta: line.eta,
      };
      // The total grows while the kind is still being listed.
      const total = Math.max(p.items, 1);
      const bar = this.#bars.get(p.resource);
      if (!bar) this.#bars.set(p.resource, this.#multi.create(total, line.done, payload));
      else {
        bar.setTotal(total);
        bar.update(line.done, payload);
      }
    }
  }

  stop(): void {
    this.#multi.stop();
  }
}

/** Plain lines (no cursor movement, no color): one at the start and then every 5 seconds. */
export class LineProgress implements Progress {
  readonly #io: CliIO;
  readonly #started = Date.now();
  readonly #rates = new Map<number, WindowRate>();
  readonly #everyMs: number;
  #printedAt = 0;

  constructor(io: CliIO, everyMs = 5000) {
    this.#io = io;
    this.#everyMs = everyMs;
  }

  update(progress: ResourceProgress[]): void {
    const lines = progress.map((p) => {
      const rate = this.#rates.get(p.resource) ?? new WindowRate();
      this.#rates.set(p.resource, rate);
      return { p, line: kindLine(p, rate.add(p.entities + p.failures)) };
    });
    if (Date.now() - this.#printedAt < this.#everyMs) return;
    this.#printedAt = Date.now();
    const parts = lines.map(
      ({ p, line }) =>
        `${p.kind} ${p.entities}/${p.items}${p.enumerated ? "" : "+"} entities, ${p.pages} pages, ${p.failures} failed, ${line.rate}/s${line.eta ? `, ${line.eta}` : ""}`,
    );
    const seconds = Math.round((Date.now() - this.#started) / 1000);
    this.#io.stderr.write(`[${seconds}s] ${parts.join("; ")}\n`);
  }

  stop(): void {}
}
