import { setTimeout as sleep } from "node:timers/promises";

/**
 * Time as the clients and the fanout read and wait it. Real by default; tests and the
 * rate-limit benchmark inject one that moves faster (or without sleeping), so an hour's
 * rate-limit window passes in seconds without patching globals.
 */
export interface Clock {
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

export const realClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) => sleep(ms, undefined, { signal }),
};
