import cliProgress from "cli-progress";
import type { ResourceProgress } from "../pipeline/run.ts";
import type { CliIO } from "./command.ts";

export interface Progress {
  update(progress: ResourceProgress[]): void;
  stop(): void;
}

/**
 * Live progress of a resync per kind: bars on a terminal (cli-progress), a plain line every
 * few seconds otherwise (CI logs, pipes), nothing with `--json` so stdout stays parseable.
 */
export function createProgress(io: CliIO, options: { quiet: boolean }): Progress {
  if (options.quiet) return { update() {}, stop() {} };
  return io.stderr.isTTY ? new BarProgress(io) : new LineProgress(io);
}

const rate = (count: number, since: number) => {
  const seconds = (Date.now() - since) / 1000;
  return seconds > 0 ? Math.round(count / seconds) : 0;
};

class BarProgress implements Progress {
  readonly #bars = new Map<number, cliProgress.SingleBar>();
  readonly #multi: cliProgress.MultiBar;
  readonly #started = Date.now();

  constructor(io: CliIO) {
    this.#multi = new cliProgress.MultiBar(
      {
        stream: io.stderr as NodeJS.WritableStream,
        format: " {kind} |{bar}| {entities}/{items} entities · {pages} pages · {failures} failed · {rate}/s",
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
      const payload = {
        kind: p.kind.padEnd(width),
        entities: p.entities,
        items: p.items,
        pages: p.pages,
        failures: p.failures,
        rate: rate(p.entities, this.#started),
      };
      // The total grows while the kind is still being enumerated.
      const total = Math.max(p.items, 1);
      const bar = this.#bars.get(p.resource);
      if (!bar) this.#bars.set(p.resource, this.#multi.create(total, p.entities + p.failures, payload));
      else {
        bar.setTotal(total);
        bar.update(p.entities + p.failures, payload);
      }
    }
  }

  stop(): void {
    this.#multi.stop();
  }
}

class LineProgress implements Progress {
  readonly #io: CliIO;
  readonly #started = Date.now();
  #printedAt = 0;

  constructor(io: CliIO) {
    this.#io = io;
  }

  update(progress: ResourceProgress[]): void {
    if (Date.now() - this.#printedAt < 5000) return;
    this.#printedAt = Date.now();
    const parts = progress.map(
      (p) => `${p.kind} ${p.entities}/${p.items} entities, ${p.pages} pages, ${p.failures} failed`,
    );
    const seconds = Math.round((Date.now() - this.#started) / 1000);
    this.#io.stderr.write(`[${seconds}s] ${parts.join("; ")}\n`);
  }

  stop(): void {}
}
