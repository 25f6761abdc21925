import { expect, it } from "vitest";
import { itemKey } from "../../lib/mapping/item-key.ts";
import { packGreedy } from "../../lib/pack.ts";

it("packs in order, by count and by bytes with envelope and separators; an oversized item goes alone", () => {
  const sizes = [4, 4, 4, 30, 1, 1, 1, 1];
  const batches = packGreedy(sizes, {
    maxCount: 3,
    maxBytes: 12,
    bytesOf: (n) => n,
    baseBytes: 2,
    separatorBytes: 1,
  });
  // 2+4+1+4 = 11 fits, +1+4 would be 16 > 12; 30 alone; then three 1s (count), then one.
  expect(batches).toEqual([[4, 4], [4], [30], [1, 1, 1], [1]]);
  expect(batches.flat()).toEqual(sizes);
});

it("names a raw item by its first non-empty naming field, clipped", () => {
  expect(itemKey({ full_name: "acme/api", name: "api" })).toBe("acme/api");
  expect(itemKey({ name: "", slug: "core" })).toBe("core");
  expect(itemKey({ id: 7 })).toBe("7");
  expect(itemKey({ key: "x".repeat(500) })).toHaveLength(200);
  expect(itemKey([1, 2])).toBeUndefined();
});
