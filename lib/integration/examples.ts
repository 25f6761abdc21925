import type { Logger } from "../pipeline/logger.ts";
import { maskSecrets } from "./mask.ts";

/** Where examples go: a `PortClient` fits. */
export interface ExamplesSink {
  postKindExamples(kind: string, examples: unknown[]): Promise<void>;
}

/** Raw items per kind that Port's mapping editor keeps for its jq tester (Ocean sends 10). */
export const MAX_EXAMPLES = 10;

/**
 * Collects up to {@link MAX_EXAMPLES} raw items of each kind as the source yields them, masks
 * secret-looking fields, and sends each kind's examples once, in the background. Never blocks
 * or fails the run: a failure is one local warning.
 *
 * @example
 * const examples = new KindExamples(port, log);
 * examples.offer("repository", page.items);
 * await examples.flush();
 */
export class KindExamples {
  readonly #sink: ExamplesSink;
  readonly #log: Logger;
  readonly #collected = new Map<string, unknown[]>();
  readonly #sent = new Set<string>();
  readonly #inFlight = new Set<Promise<void>>();

  constructor(sink: ExamplesSink, log: Logger) {
    this.#sink = sink;
    this.#log = log;
  }

  /** Takes what the kind still lacks from a page; sends once the kind has ten. */
  offer(kind: string, items: readonly unknown[]): void {
    if (this.#sent.has(kind) || items.length === 0) return;
    const kept = this.#collected.get(kind) ?? [];
    for (const item of items) {
      if (kept.length >= MAX_EXAMPLES) break;
      kept.push(maskSecrets(item));
    }
    this.#collected.set(kind, kept);
    if (kept.length >= MAX_EXAMPLES) this.#send(kind);
  }

  /** Sends the kinds with fewer than ten items and waits (at most `timeoutMs`) for every send. */
  async flush(timeoutMs = 5_000): Promise<void> {
    for (const kind of [...this.#collected.keys()]) this.#send(kind);
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.#inFlight]),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
        timer.unref();
      }),
    ]);
    clearTimeout(timer);
  }

  #send(kind: string): void {
    const examples = this.#collected.get(kind);
    this.#collected.delete(kind);
    if (!examples || examples.length === 0 || this.#sent.has(kind)) return;
    this.#sent.add(kind);
    const sent = this.#sink.postKindExamples(kind, examples).catch((error: unknown) => {
      this.#log.warn(`could not send examples of kind ${kind} to Port; the run goes on`, {
        error: (error as Error).message,
      });
    });
    this.#inFlight.add(sent);
    void sent.finally(() => this.#inFlight.delete(sent));
  }
}
