import { describe, expect, it } from "vitest";
import { chunked } from "../../lib/pipeline/chunked.ts";

async function* values(n: number, failAfter?: number) {
  for (let i = 0; i < n; i++) {
    if (i === failAfter) throw new Error("listing broke");
    yield i;
  }
}

async function collect<T>(chunks: AsyncIterable<T[]>): Promise<{ got: T[][]; error?: string }> {
  const got: T[][] = [];
  try {
    for await (const chunk of chunks) got.push(chunk);
  } catch (error) {
    return { got, error: (error as Error).message };
  }
  return { got };
}

describe("chunked", () => {
  it("gives full chunks, then the rest", async () => {
    expect((await collect(chunked(values(7), 3))).got).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
    expect((await collect(chunked(values(0), 3))).got).toEqual([]);
  });

  it("gives what was read before a failure, then the failure", async () => {
    expect(await collect(chunked(values(9, 5), 3))).toEqual({
      got: [
        [0, 1, 2],
        [3, 4],
      ],
      error: "listing broke",
    });
  });

  it("reads no further than the chunk being given when the consumer stops", async () => {
    let read = 0;
    async function* counted() {
      for (let i = 0; i < 100; i++) {
        read++;
        yield i;
      }
    }
    for await (const chunk of chunked(counted(), 10)) {
      expect(chunk).toHaveLength(10);
      break;
    }
    expect(read).toBe(10);
  });
});
