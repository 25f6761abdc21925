import { parentPort, Worker, workerData } from "node:worker_threads";
import { sharedNow } from "../skip-clock.ts";
import type { GitHubFakeOptions, GitHubFakeStats } from "./server.ts";
import { startGitHubFake } from "./server.ts";

/** Options that survive the trip to a worker thread: no functions, no key objects. */
export type WorkerFakeOptions = Omit<
  GitHubFakeOptions,
  "pullsPerRepo" | "issuesPerRepo" | "pullState" | "now" | "app"
> & {
  pullsPerRepo?: number;
  issuesPerRepo?: number;
  app?: { appId: string; publicKey: string; installationId: number; tokenTtlMs?: number };
  /** The fake's clock (rate-limit window, timestamps): a `SkipClock`'s shared offset. */
  clock?: SharedArrayBuffer;
};

/** A GitHub fake running in its own thread, so that serving pages does not compete with the client measured. */
export interface WorkerGitHubFake {
  url: string;
  token: string;
  login: string;
  stats(): Promise<GitHubFakeStats>;
  close(): Promise<void>;
}

type Request = { id: number; op: "stats" | "close" };

/**
 * Starts {@link startGitHubFake} in a worker thread: for benchmarks, where a fake on the
 * client's own thread would steal the event loop the client is measured on.
 *
 * @example
 * const fake = await startGitHubFakeWorker({ repos: 5_000, pullsPerRepo: 19, latencyMs: 50 });
 */
export async function startGitHubFakeWorker(options: WorkerFakeOptions): Promise<WorkerGitHubFake> {
  const worker = new Worker(new URL(import.meta.url), { workerData: { githubFake: options } });
  let next = 0;
  const pending = new Map<number, (value: unknown) => void>();
  const ready = new Promise<{ url: string; token: string; login: string }>((resolve, reject) => {
    worker.once("error", reject);
    worker.once("message", resolve);
  });
  const started = await ready;
  worker.on("message", (message: { id: number; value: unknown }) => {
    pending.get(message.id)?.(message.value);
    pending.delete(message.id);
  });
  const call = (op: Request["op"]) =>
    new Promise<unknown>((resolve) => {
      const id = next++;
      pending.set(id, resolve);
      worker.postMessage({ id, op } satisfies Request);
    });
  return {
    ...started,
    stats: async () => (await call("stats")) as GitHubFakeStats,
    close: async () => {
      await call("close");
      await worker.terminate();
    },
  };
}

const options = (workerData as { githubFake?: WorkerFakeOptions } | null)?.githubFake;
if (parentPort && options) {
  const port = parentPort;
  const { clock, ...rest } = options;
  const fake = await startGitHubFake(clock ? { ...rest, now: sharedNow(clock) } : rest);
  port.postMessage({ url: fake.url, token: fake.token, login: fake.org.login });
  port.on("message", async (request: Request) => {
    if (request.op === "stats") port.postMessage({ id: request.id, value: fake.stats });
    else {
      await fake.close();
      port.postMessage({ id: request.id, value: null });
    }
  });
}
