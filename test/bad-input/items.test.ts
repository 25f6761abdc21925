/**
 * Bad raw items from a source: hostile identifiers, wrong types, oversized items. Each one
 * fails alone with a reason naming the item and the field; the valid items of the same page
 * still land; the run fails and so deletes nothing; every item is counted.
 */
import { afterEach, describe, expect, it } from "vitest";
import { MAX_BATCH_FAILURES } from "../../lib/pipeline/caps.ts";
import type { Failure, RunRecord } from "../../lib/pipeline/run.ts";
import {
  BLUEPRINT,
  type Raw,
  startThingWorld,
  THING_CONFIG,
  type ThingWorld,
  thingSummary,
  things,
  unaccounted,
} from "./harness.ts";

let world: ThingWorld | undefined;
afterEach(async () => {
  await world?.close();
  world = undefined;
});

async function runWith(bad: Raw[], options: { configText?: string; maxMessageBytes?: number } = {}) {
  world = await startThingWorld({ configText: options.configText });
  const run = await world.resyncWith(bad, { maxMessageBytes: options.maxMessageBytes });
  return { world, run };
}

/** The failed part is reported, the valid rest landed, nothing was deleted, every item counted. */
function expectContained(w: ThingWorld, run: RunRecord, failures: number): Failure[] {
  expect(run.status).toBe("failed");
  expect(run.summary?.deletion.performed).toBe(false);
  expect(w.ids()).toContain("stale");
  for (const n of [1, 2, 3]) expect(w.port.entity(BLUEPRINT, `ok-${n}`)?.title).toBe(`Thing ${n} v2`);
  const kind = thingSummary(run);
  expect(kind.failures).toBe(failures);
  expect(run.summary?.failureCount).toBe(failures);
  expect(unaccounted(kind)).toBe(0);
  return run.summary?.failures ?? [];
}

const failureOf = (failures: Failure[], item: string) => failures.find((f) => f.item === item);

describe("hostile identifiers", () => {
  it.each([
    ["..", /must not be "\.\."/],
    [".", /must not be "\."/],
    ["a\u0000b", /may only contain .* \(found "\\u0000"\)/],
    ["line\nbreak", /may only contain .* \(found "\\n"\)/],
    ["evil\u202Eexe.txt", /may only contain .* \(found "\u202E"\)/],
    ["has space", /may only contain .* \(found " "\)/],
    ["rocket-🚀", /may only contain .* \(found "🚀"\)/],
  ])("%j fails alone, naming the item and the identifier rule", async (id, reason) => {
    const { world, run } = await runWith([{ id, name: "hostile" }]);
    const failures = expectContained(world, run, 1);
    expect(failureOf(failures, id)).toMatchObject({
      kind: "thing",
      field: "identifier",
      message: expect.stringMatching(reason),
    });
    expect(world.ids()).not.toContain(id);
  });

  it("a 2,000-character identifier fails alone, saying how long it is and what the limit is", async () => {
    const id = `x${"y".repeat(1_999)}`;
    const { world, run } = await runWith([{ id }]);
    const [failure] = expectContained(world, run, 1);
    expect(failure).toMatchObject({ field: "identifier" });
    expect(failure?.message).toMatch(/2000 characters long, the limit is 1000/);
  });

  it("identifiers with '/', '\\' and non-Latin letters are valid: they land and are deleted like any other", async () => {
    const ids = ["team/app", "dir\\file", "日本語", "Ünïcödé", "a:b@c+d=e"];
    const { world, run } = await runWith(ids.map((id) => ({ id, name: id })));
    expect(run.status).toBe("completed");
    expect(world.ids()).toEqual(expect.arrayContaining(ids));
    expect(world.ids()).not.toContain("stale");
    // They leave the source: reconciliation deletes them by their exact identifiers.
    world.pages = [[...things(3, "ok", 2), ...ids.slice(2).map((id) => ({ id, name: id }))]];
    const next = (await world.resync()).run;
    expect(next.status).toBe("completed");
    expect(next.summary?.deleted).toEqual({ [BLUEPRINT]: 2 });
    expect(world.ids()).not.toContain("team/app");
    expect(world.ids()).not.toContain("dir\\file");
  });

  it("an identifier of the wrong type (an object, a boolean) fails alone; numbers become strings", async () => {
    const { world, run } = await runWith([
      { id: { nested: 1 }, name: "object" },
      { id: true, name: "bool" },
      { id: 42 },
    ]);
    const failures = expectContained(world, run, 2);
    expect(failures.map((f) => f.message)).toEqual([
      expect.stringMatching(/must be a string, got an object/),
      expect.stringMatching(/must be a string, got boolean true/),
    ]);
    expect(world.ids()).toContain("42");
  });

  it("a relation to a hostile identifier fails the item, naming the relation", async () => {
    const { world, run } = await runWith([{ id: "child", parent: "../x y" }]);
    const [failure] = expectContained(world, run, 1);
    expect(failure).toMatchObject({ item: "child", field: "relations.parent" });
    expect(failure?.message).toMatch(/"\.\.\/x y" may only contain/);
  });
});

describe("items of the wrong type or shape", () => {
  it("items that are not objects (a number, a string, a list) fail alone, named by their place in the batch", async () => {
    const { world, run } = await runWith([42, "just a string", [1, 2, 3]]);
    const failures = expectContained(world, run, 3);
    expect(failures.map((f) => [f.item, f.field])).toEqual([
      ["#3", "identifier"],
      ["#4", "identifier"],
      ["#5", "identifier"],
    ]);
    expect(failures[0]?.message).toMatch(/Cannot index number/);
    expect(failures[0]?.batch).toBeTruthy();
  });

  it("a property of the wrong type for the blueprint is refused by Port: the failure carries its status and trace id", async () => {
    const { world, run } = await runWith([
      { id: "wrong-size", size: "big" },
      { id: "wrong-tags", tags: "a,b" },
    ]);
    const failures = expectContained(world, run, 2);
    for (const id of ["wrong-size", "wrong-tags"]) {
      const failure = failures.find((f) => f.message.startsWith(`thing/${id}:`));
      expect(failure).toMatchObject({
        status: 422,
        code: "invalid_request",
        traceId: expect.stringMatching(/^\w{8,}$/),
      });
    }
    expect(failures.map((f) => f.message).join("\n")).toMatch(/property "size" must be a number/);
  });

  it("a jq error on one item (tonumber of a word) fails that item, naming the property and jq's message", async () => {
    const configText = THING_CONFIG.replace("size: .size", "size: .size | tonumber");
    const { world, run } = await runWith([{ id: "wordy", size: "twelve" }], { configText });
    const [failure] = expectContained(world, run, 1);
    expect(failure).toMatchObject({ item: "wordy", field: "properties.size" });
    expect(failure?.message).toMatch(/twelve.*cannot be parsed as a number/);
  });

  it("a title ending in a lone surrogate, which jq cannot read, fails that item alone; the rest of its delivery lands", async () => {
    // jq reads the title (not a plain path), so the raw text reaches jq, which refuses "\ud83d".
    const configText = THING_CONFIG.replace("title: .name", 'title: (.name | ltrimstr(" "))');
    const { world, run } = await runWith([{ id: "surrogate", name: "Rocket \ud83d" }], { configText });
    const [failure] = expectContained(world, run, 1);
    expect(failure).toMatchObject({ item: expect.stringMatching(/^Rocket /), field: "item" });
    expect(failure?.message).toMatch(/jq cannot read the item: .*surrogate/);
    expect(world.ids()).not.toContain("surrogate");
  });

  it("a selector that errors on one item fails that item, naming selector.query", async () => {
    const configText = THING_CONFIG.replace('query: "true"', 'query: "(.tags | length) >= 0"');
    const { world, run } = await runWith([{ id: "boolean-tags", tags: true }], { configText });
    const [failure] = expectContained(world, run, 1);
    expect(failure).toMatchObject({ item: "boolean-tags", field: "selector.query" });
    expect(failure?.message).toMatch(/boolean \(true\) has no length/);
  });

  it("keys like __proto__ and constructor are data: the item lands and nothing is polluted", async () => {
    const raw = JSON.parse(
      '{"id":"proto","__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":2}}}',
    );
    const { world, run } = await runWith([raw]);
    expect(run.status).toBe("completed");
    expect(world.ids()).toContain("proto");
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("an item nested 3,000 levels deep maps like any other", async () => {
    let nest: Record<string, unknown> = { leaf: true };
    for (let i = 0; i < 3_000; i++) nest = { d: nest };
    const { world, run } = await runWith([{ id: "deep", nest }]);
    expect(run.status).toBe("completed");
    expect(world.ids()).toContain("deep");
  });
});

describe("oversized items", () => {
  it("a raw item whose mapped fields are larger than a message fails alone, with its size and the limit; the page's other items land", async () => {
    // Only what the mapping reads travels in a message: here `tags`, read whole.
    const { world, run } = await runWith([{ id: "huge", name: "huge", tags: ["z".repeat(300 * 1024)] }], {
      maxMessageBytes: 256 * 1024,
    });
    const [failure] = expectContained(world, run, 1);
    expect(failure?.item).toBe("huge");
    expect(failure?.message).toMatch(/raw item is \d{6} bytes, more than a message can carry \(262144\)/);
  });

  it("a raw item large only in what the mapping does not read travels trimmed and lands", async () => {
    world = await startThingWorld();
    const run = await world.resyncWith([{ id: "big", name: "big", blob: "z".repeat(300 * 1024) }], {
      maxMessageBytes: 256 * 1024,
    });
    expect(run.status).toBe("completed");
    expect(run.summary?.failureCount).toBe(0);
    expect(world.port.entity(BLUEPRINT, "big")?.title).toBe("big");
  });

  it("a page of many oversized items: every one counted, a capped sample kept in the batch record", async () => {
    const huge = Array.from({ length: MAX_BATCH_FAILURES + 5 }, (_, i) => ({
      id: `huge-${i}`,
      tags: ["z".repeat(3000)],
    }));
    const { world, run } = await runWith(huge, { maxMessageBytes: 2048 });
    const failures = expectContained(world, run, MAX_BATCH_FAILURES + 5);
    expect(failures).toHaveLength(MAX_BATCH_FAILURES);
    expect(failures[0]?.item).toBe("huge-0");
  });

  it("an entity larger than Port's 1 MiB request limit fails alone, named, without being sent", async () => {
    const configText = THING_CONFIG.replace("owner: .owner", "owner: (.owner * 5)");
    const { world, run } = await runWith([{ id: "bloated", owner: "o".repeat(300 * 1024) }], {
      configText,
      maxMessageBytes: 512 * 1024,
    });
    const [failure] = expectContained(world, run, 1);
    expect(failure).toMatchObject({ status: 413, code: "payload_too_large" });
    expect(failure?.message).toMatch(
      /entity "bloated" \(#\d+\) is \d{7} bytes; Port accepts at most 1048576 bytes/,
    );
    expect(world.port.state.log.every((r) => r.bodyBytes <= 1024 * 1024)).toBe(true);
  });
});
