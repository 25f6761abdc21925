import { describe, expect, it } from "vitest";
import { deletionPath } from "../../lib/mapping/items-to-parse.ts";
import { mapWith } from "./helpers.ts";

const PULL = {
  id: 5001,
  number: 7,
  repo: "api",
  files: [
    { path: "src/a.ts", additions: 3 },
    { path: "src/b.ts", additions: 0 },
    { path: "README.md", additions: 12 },
  ],
};

const MAPPING = `
identifier: .repo + "-" + (.number | tostring) + ":" + .item.path
title: .item.path
blueprint: '"changedFile"'
properties:
  additions: .item.additions
  filesStillThere: .files | length
relations:
  pullRequest: .repo + "-" + (.number | tostring)
`;

describe("itemsToParse", () => {
  it("maps each element as .item beside the item's own fields, without the array (the default transform)", async () => {
    const result = await mapWith(MAPPING, [PULL], { port: "itemsToParse: .files" });
    expect(result.failures).toEqual([]);
    expect(result.entities).toEqual([
      {
        itemIndex: 0,
        elementIndex: 0,
        entity: {
          identifier: "api-7:src/a.ts",
          title: "src/a.ts",
          blueprint: "changedFile",
          properties: { additions: 3, filesStillThere: 0 },
          relations: { pullRequest: "api-7" },
        },
      },
      expect.objectContaining({ itemIndex: 0, elementIndex: 1 }),
      expect.objectContaining({ itemIndex: 0, elementIndex: 2 }),
    ]);
  });

  it("keeps the array on the item with itemsToParseTopLevelTransform: false", async () => {
    const result = await mapWith(MAPPING, [PULL], {
      port: "itemsToParse: .files\nitemsToParseTopLevelTransform: false",
    });
    expect(result.entities.map((e) => e.entity.properties?.filesStillThere)).toEqual([3, 3, 3]);
  });

  it("removes the array the expression starts from, as Ocean does, even behind a fallback", async () => {
    const result = await mapWith(MAPPING, [PULL], { port: "itemsToParse: .files // []" });
    expect(result.entities.map((e) => e.entity.properties?.filesStillThere)).toEqual([0, 0, 0]);
  });

  it("names the element with itemsToParseName", async () => {
    const result = await mapWith(
      `
identifier: .file.path
blueprint: '"changedFile"'
properties:
  pr: .number
`,
      [PULL],
      { port: "itemsToParse: .files\nitemsToParseName: file" },
    );
    expect(result.entities.map((e) => [e.entity.identifier, e.entity.properties?.pr])).toEqual([
      ["src/a.ts", 7],
      ["src/b.ts", 7],
      ["README.md", 7],
    ]);
  });

  it("applies the selector to each element", async () => {
    const result = await mapWith(MAPPING, [PULL], {
      port: "itemsToParse: .files",
      selector: ".item.additions > 0",
    });
    expect(result.entities.map((e) => e.elementIndex)).toEqual([0, 2]);
    expect(result.filtered).toBe(1);
  });

  it("reports each element's own failures with its element index", async () => {
    const pull = { ...PULL, files: [{ path: "ok.ts", additions: 1 }, { path: 5 }, { path: "x.ts" }] };
    const result = await mapWith(MAPPING, [pull], { port: "itemsToParse: .files" });
    expect(result.entities.map((e) => e.elementIndex)).toEqual([0, 2]);
    expect(result.failures).toEqual([
      {
        itemIndex: 0,
        elementIndex: 1,
        key: "5001[1]",
        field: "identifier",
        message: 'string ("api-7:") and number (5) cannot be added',
      },
    ]);
  });

  it("skips, as Ocean does, an item whose itemsToParse gives null or no array, naming the expression", async () => {
    const items = [
      { ...PULL, files: null },
      { ...PULL, id: 5002, files: { a: 1 } },
      { id: 5003, files: "x" },
      { ...PULL, id: 5004, files: [{ path: "a.ts" }] },
    ];
    const result = await mapWith(MAPPING, items, { port: "itemsToParse: .files" });
    expect(result.entities.map((e) => e.itemIndex)).toEqual([3]);
    expect(result.skipped).toEqual([
      { itemIndex: 0, key: "5001", reason: "itemsToParse is null" },
      { itemIndex: 1, key: "5002", reason: "itemsToParse .files gave an object, not an array" },
      { itemIndex: 2, key: "5003", reason: "itemsToParse .files gave a string, not an array" },
    ]);
    // Not failures: a skipped item does not make the run partial, so deletion still happens.
    expect(result.failures).toEqual([]);
  });

  it("fails an item whose itemsToParse expression throws", async () => {
    const result = await mapWith(MAPPING, [{ name: "api", files: "x" }], { port: "itemsToParse: .files[]" });
    expect(result.failures).toEqual([
      { itemIndex: 0, key: "api", field: "itemsToParse", message: 'Cannot iterate over string ("x")' },
    ]);
  });
});

describe("the path itemsToParse removes (Ocean's extract_jq_deletion_path_revised)", () => {
  it.each([
    [".files", ".files"],
    [".file.content.raw", ".file.content.raw"],
    [".files // []", ".files"],
    [".items[] | select(.a)", ".items"],
    ['.["weird key"]', '.["weird key"]'],
    [". as $all | ($all | .file.content.raw) // {}", ".file.content.raw"],
    ["(.a.b | map(.x))", ".a.b"],
    ["$__loc__", undefined],
    ["[.a, .b]", undefined],
    [".", undefined],
  ])("%s → %s", (expression, path) => {
    expect(deletionPath(expression)).toBe(path);
  });
});
