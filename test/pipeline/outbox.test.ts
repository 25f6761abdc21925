import { afterEach, describe, expect, it, vi } from "vitest";
import { type IngestMessage, type MessagePart, parseMessage } from "../../lib/pipeline/message.ts";
import { Outbox } from "../../lib/pipeline/outbox.ts";
import { packItems } from "../../lib/pipeline/pack.ts";

afterEach(() => vi.useRealTimers());

/** An outbox whose messages are kept as the queue would get them: serialised. */
function outbox(
  options: { maxBytes?: number; lingerMs?: number; maxMessages?: number; fail?: boolean } = {},
) {
  const bodies: string[] = [];
  const calls: number[] = [];
  const box = new Outbox({
    runId: "20261202T000000Z-abcdef",
    resource: 1,
    kind: "pull-request",
    maxBytes: options.maxBytes ?? 256 * 1024,
    lingerMs: options.lingerMs ?? 50,
    maxMessages: options.maxMessages,
    send: async (messages: IngestMessage[]) => {
      if (options.fail) throw new Error("SQS refused the message");
      calls.push(messages.length);
      for (const message of messages) bodies.push(JSON.stringify(message));
    },
  });
  const messages = () => bodies.map((b) => parseMessage(b));
  return { box, bodies, messages, calls };
}

const pr = (repo: string, n: number) => ({ id: `${repo}-${n}`, title: `Pull request ${n} of ${repo}` });
const page = (repo: string, count: number, seq = 0): MessagePart => ({
  batch: `1:${repo}:${seq}`,
  partition: repo,
  items: Array.from({ length: count }, (_, i) => pr(repo, i + 1)),
});
const batches = (messages: IngestMessage[]) => messages.map((m) => m.parts.map((p) => p.batch));

describe("the outbox of a resource", () => {
  it("closes a message once the next part would not fit, and sends full messages together", async () => {
    const { box, bodies, messages, calls } = outbox({ maxBytes: 1_000, lingerMs: 60_000, maxMessages: 2 });
    const sent = ["a", "b", "c", "d", "e", "f"].map((repo) => box.add(page(repo, 8)));
    expect(calls).toEqual([2]); // two full messages went without waiting for the linger
    await box.flush();
    await Promise.all(sent);
    expect(bodies.length).toBeLessThan(6);
    expect(calls.reduce((a, b) => a + b)).toBe(bodies.length);
    for (const body of bodies) expect(Buffer.byteLength(body)).toBeLessThanOrEqual(1_000);
    expect(batches(messages()).flat()).toEqual(["1:a:0", "1:b:0", "1:c:0", "1:d:0", "1:e:0", "1:f:0"]);
    expect(messages().flatMap((m) => m.parts.flatMap((p) => p.items))).toHaveLength(48);
  });

  it("fills messages exactly as far as the limit allows, with the sizes packItems measured", async () => {
    const maxBytes = 4_096;
    const { box, bodies } = outbox({ maxBytes, lingerMs: 60_000 });
    const sent: Array<Promise<void>> = [];
    for (let repo = 0; repo < 40; repo++) {
      for (const chunk of packItems(page(`r${repo}`, 7).items, maxBytes)) {
        if (!("items" in chunk)) throw new Error("every item fits");
        sent.push(box.add({ batch: `1:r${repo}:0`, partition: `r${repo}`, items: chunk.items }, chunk.bytes));
      }
    }
    await box.flush();
    await Promise.all(sent);
    const sizes = bodies.map((b) => Buffer.byteLength(b));
    expect(Math.max(...sizes)).toBeLessThanOrEqual(maxBytes);
    // Every message but the last was sent because the next part (~560 bytes) did not fit.
    for (const size of sizes.slice(0, -1)) expect(size).toBeGreaterThan(maxBytes - 600);
  });

  it("sends a part-full message once its first part has waited the linger, not before", async () => {
    vi.useFakeTimers();
    const { box, messages } = outbox({ lingerMs: 50 });
    let sent = false;
    void box.add(page("a", 2)).then(() => {
      sent = true;
    });
    await vi.advanceTimersByTimeAsync(30);
    void box.add(page("b", 2));
    await vi.advanceTimersByTimeAsync(19);
    expect(messages()).toHaveLength(0);
    expect(sent).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches(messages())).toEqual([["1:a:0", "1:b:0"]]);
    expect(sent).toBe(true);
  });

  it("sends what waits on flush (enumeration end, stop, hand-off) and only then resolves its parts", async () => {
    const { box, messages } = outbox({ lingerMs: 60_000 });
    const settled: string[] = [];
    const a = box.add(page("a", 1)).then(() => settled.push("a"));
    const b = box.add(page("b", 1)).then(() => settled.push("b"));
    await Promise.resolve();
    expect(settled).toEqual([]);
    await box.flush();
    await Promise.all([a, b]);
    expect(settled).toEqual(["a", "b"]);
    expect(batches(messages())).toEqual([["1:a:0", "1:b:0"]]);
    await box.flush(); // nothing left: no empty message
    expect(messages()).toHaveLength(1);
  });

  it("released, sends what waits at once instead of after its linger", async () => {
    const { box, messages } = outbox({ lingerMs: 60_000 });
    const a = box.add(page("a", 1));
    const b = box.add(page("b", 1));
    box.release();
    await Promise.all([a, b]);
    expect(batches(messages())).toEqual([["1:a:0", "1:b:0"]]);
  });

  it("with no linger, sends each part at once (one page, one message)", async () => {
    const { box, messages, calls } = outbox({ lingerMs: 0 });
    await Promise.all([box.add(page("a", 1)), box.add(page("b", 1))]);
    expect(batches(messages())).toEqual([["1:a:0"], ["1:b:0"]]);
    expect(calls).toEqual([1, 1]);
  });

  it("rejects the parts of a message that could not be sent, so their pages are not checkpointed", async () => {
    const { box } = outbox({ lingerMs: 60_000, fail: true });
    const a = box.add(page("a", 1));
    const b = box.add(page("b", 1));
    await box.flush();
    await expect(a).rejects.toThrow(/SQS refused/);
    await expect(b).rejects.toThrow(/SQS refused/);
  });

  it("sends a part larger than the limit on its own rather than holding it", async () => {
    const { box, bodies } = outbox({ maxBytes: 300, lingerMs: 60_000 });
    const sent = [box.add(page("small", 1)), box.add(page("big", 10)), box.add(page("next", 1))];
    await box.flush();
    await Promise.all(sent);
    expect(bodies.map((b) => parseMessage(b).parts.map((p) => p.partition))).toEqual([
      ["small"],
      ["big"],
      ["next"],
    ]);
  });
});

describe("message format", () => {
  it("reads a v1 message (one page, as an old dead-letter queue holds it) as a message of one part", () => {
    const v1 = { v: 1, runId: "r", resource: 0, kind: "repository", batch: "0:-:3", items: [{ id: 1 }] };
    expect(parseMessage(JSON.stringify(v1))).toEqual({
      v: 2,
      runId: "r",
      resource: 0,
      kind: "repository",
      parts: [{ batch: "0:-:3", items: [{ id: 1 }] }],
    });
  });
});
