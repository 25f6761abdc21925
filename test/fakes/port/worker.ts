/**
 * The Port emulator in a worker thread, so a benchmark's client does not share its thread
 * with Port's work (as in production, where Port's CPU is not ours).
 */
import { isMainThread, parentPort, Worker, workerData } from "node:worker_threads";
import type { FakeCredentials } from "./auth.ts";
import { type PortFakeOptions, startPortFake } from "./index.ts";

/** What the host can ask of the emulator across threads. */
export interface RemotePortFake {
  url: string;
  credentials: FakeCredentials;
  /** Requests received by route, those answered 429, and the entity count of each blueprint asked for. */
  inspect(blueprints: string[]): Promise<{
    requests: Record<string, number>;
    total: number;
    limited: number;
    entities: Record<string, number>;
  }>;
  close(): Promise<void>;
}

type Reply = { id: number; result: unknown };

/** Starts the emulator in a worker thread. Options must be structured-clonable (plain data). */
export async function startPortFakeInWorker(options: PortFakeOptions = {}): Promise<RemotePortFake> {
  const worker = new Worker(new URL(import.meta.url), { workerData: options });
  let next = 0;
  const pending = new Map<number, { resolve: (result: unknown) => void; reject: (error: unknown) => void }>();
  worker.on("message", (msg: Reply) => {
    pending.get(msg.id)?.resolve(msg.result);
    pending.delete(msg.id);
  });
  worker.on("error", (error) => {
    for (const p of pending.values()) p.reject(error);
    pending.clear();
  });
  const ask = <T>(message: Record<string, unknown>) =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: (result) => resolve(result as T), reject });
      worker.postMessage({ ...message, id });
    });
  const ready = await ask<{ url: string; credentials: FakeCredentials }>({ type: "start" });
  return {
    ...ready,
    inspect: (blueprints) => ask({ type: "inspect", blueprints }),
    close: async () => {
      await ask({ type: "close" });
      await worker.terminate();
    },
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  const fake = await startPortFake(workerData as PortFakeOptions);
  port.on("message", async (msg: { id: number; type: string; blueprints?: string[] }) => {
    let result: unknown;
    if (msg.type === "start") result = { url: fake.url, credentials: fake.credentials };
    else if (msg.type === "inspect") {
      const entities = Object.fromEntries((msg.blueprints ?? []).map((b) => [b, fake.entities(b).length]));
      const limited = fake.state.log.filter((r) => r.status === 429).length;
      result = { requests: fake.requestsByRoute(), total: fake.requestCount(), limited, entities };
    } else if (msg.type === "close") result = await fake.close();
    port.postMessage({ id: msg.id, result } satisfies Reply);
  });
}
