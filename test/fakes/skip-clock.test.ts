// The rate-limit benchmark's clock: waits take no time, work takes its real time, and with
// `overlapWork` the work done during a wait is not counted a second time after it.
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { setImmediate as turn } from "node:timers/promises";
import { request } from "undici";
import { describe, expect, it } from "vitest";
import { SkipClock } from "./skip-clock.ts";

const HOUR = 3_600_000;

/** `ms` of CPU on this thread, in slices that let timers and other tasks run between them. */
async function work(ms: number): Promise<number> {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    const slice = performance.now() + 5;
    while (performance.now() < slice) {}
    await turn();
  }
  return performance.now();
}

/** An hour's wait beside 300 ms of work: simulated time passed, and when the wait returned. */
async function hourBesideWork(clock: SkipClock) {
  const start = clock.now();
  let woke = 0;
  const [workDone] = await Promise.all([
    work(300),
    clock.sleep(HOUR).then(() => {
      woke = performance.now();
    }),
  ]);
  return { elapsed: clock.now() - start, wokeAfterWork: woke >= workDone };
}

describe("SkipClock", () => {
  it("skips a wait at once and counts work beside it again after it, by default", async () => {
    const { elapsed, wokeAfterWork } = await hourBesideWork(new SkipClock());
    expect(wokeAfterWork).toBe(false);
    expect(elapsed).toBeGreaterThanOrEqual(HOUR + 300);
  });

  it("with overlapWork, lets the work run during the wait and skips only the rest of it", async () => {
    const { elapsed, wokeAfterWork } = await hourBesideWork(new SkipClock({ overlapWork: true }));
    expect(wokeAfterWork).toBe(true);
    expect(elapsed).toBeGreaterThanOrEqual(HOUR);
    expect(elapsed).toBeLessThan(HOUR + 300);
  });

  it("with overlapWork, lets an HTTP answer another thread works on arrive during the wait", async () => {
    // The server answers after 300 ms of its own: this thread is idle, but waiting on work.
    const server = createServer((_req, res) => {
      setTimeout(() => res.end("done"), 300);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const clock = new SkipClock({ overlapWork: true });
      const { port } = server.address() as AddressInfo;
      const start = clock.now();
      let answered = 0;
      let woke = 0;
      await Promise.all([
        request(`http://127.0.0.1:${port}/`)
          .then((res) => res.body.text())
          .then(() => {
            answered = performance.now();
          }),
        clock.sleep(HOUR).then(() => {
          woke = performance.now();
        }),
      ]);
      expect(woke).toBeGreaterThanOrEqual(answered);
      expect(clock.now() - start).toBeLessThan(HOUR + 300);
    } finally {
      server.close();
    }
  });

  it("with overlapWork, wakes a short wait beside a long one at its own time", async () => {
    const clock = new SkipClock({ overlapWork: true });
    const start = clock.now();
    const woke: Record<string, number> = {};
    await Promise.all(
      [HOUR, 1_000, 60_000].map((ms) =>
        clock.sleep(ms).then(() => {
          woke[ms] = clock.now() - start;
        }),
      ),
    );
    expect(woke[1_000]).toBeGreaterThanOrEqual(1_000);
    expect(woke[1_000]).toBeLessThan(60_000);
    expect(woke[60_000]).toBeGreaterThanOrEqual(60_000);
    expect(woke[60_000]).toBeLessThan(HOUR);
    expect(woke[HOUR]).toBeGreaterThanOrEqual(HOUR);
  });

  it("with overlapWork, skips a wait at once when nothing else runs", async () => {
    const clock = new SkipClock({ overlapWork: true });
    const started = performance.now();
    const before = clock.now();
    await clock.sleep(HOUR);
    expect(clock.now() - before).toBeGreaterThanOrEqual(HOUR);
    // One 20 ms step of looking at the event loop, not the hour.
    expect(performance.now() - started).toBeLessThan(1_000);
  });
});
