import { gunzipSync } from "node:zlib";
import { describe, expect, it } from "vitest";
import { groupUnchanged } from "../../lib/aws/unchanged-groups.ts";
import type { UnchangedPartition } from "../../lib/pipeline/run.ts";

const partition = (resource: number, name: string, ids: string[]): UnchangedPartition => ({
  resource,
  partition: name,
  items: ids.length,
  unchanged: ids.length,
  filtered: 0,
  seen: { githubPullRequest: ids },
});

describe("groups of unchanged partitions", () => {
  it("are one per resource, named by what they hold whatever the order they were gathered in", () => {
    const a = partition(1, "a", ["a-1"]);
    const b = partition(1, "b", ["b-1", "b-2"]);
    const c = partition(2, "c", ["c-1"]);
    const groups = groupUnchanged([a, c, b]);
    expect(groups.map((g) => [g.resource, g.count])).toEqual([
      [1, 2],
      [2, 1],
    ]);
    expect(groupUnchanged([b, a])[0]?.digest).toBe(groups[0]?.digest);
    expect(groupUnchanged([a])[0]?.digest).not.toBe(groups[0]?.digest);
    expect(groupUnchanged([partition(1, "a", ["a-2"]), b])[0]?.digest).not.toBe(groups[0]?.digest);
  });

  it("are halved until each fits, and together hold every partition once", () => {
    const many = Array.from({ length: 9 }, (_, i) =>
      partition(
        0,
        `r${i}`,
        Array.from({ length: 200 }, (_, j) => `${i}-${j}-${Math.random()}`),
      ),
    );
    const groups = groupUnchanged([...many, many[0] as UnchangedPartition], 4_000);
    expect(groups.length).toBeGreaterThan(1);
    for (const group of groups) expect(group.packed.length <= 4_000 || group.count === 1).toBe(true);
    const names = groups.flatMap((g) =>
      (JSON.parse(gunzipSync(g.packed).toString("utf8")) as Array<{ partition: string }>).map(
        (p) => p.partition,
      ),
    );
    expect(names.sort()).toEqual(many.map((p) => p.partition).sort());
  });
});
