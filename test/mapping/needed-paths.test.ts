import { describe, expect, it } from "vitest";
import { embed, jqEngine, PRELUDE } from "../../lib/mapping/jq.ts";
import { atMostOneOutput, plainPath } from "../../lib/mapping/optimiser/facts.ts";
import { EACH, type KeepPlan, neededPaths, trim } from "../../lib/mapping/optimiser/needed-paths.ts";

const ITEMS = [
  {
    name: "api",
    full_name: "acme/api",
    owner: { login: "acme", id: 1, site_admin: false, urls: { html: "https://github.com/acme" } },
    license: { spdx_id: "MIT", key: "mit" },
    topics: ["team-core", "go"],
    archived: false,
    size: 2048,
    i: 1,
    a: [10, 20, 30],
    items: [{ x: 1 }, { x: 2 }],
    k: "name",
    extra: { deep: { deeper: [1, 2, { z: true }] } },
  },
  {
    name: "web",
    owner: "not-an-object",
    license: null,
    topics: [],
    archived: true,
    size: "big",
    a: "str",
    items: {},
  },
  { name: null, owner: { login: null }, topics: null, a: null },
  {},
  { owner: [1, 2], license: { spdx_id: 5 }, extra: "x", items: [null] },
];

// Expressions a mapping may use; trimming must never change what any of them gives.
const CORPUS = [
  ".name",
  ".owner.login",
  ".owner.urls.html",
  '."full_name"',
  '.["full_name"]',
  '.owner["login"]',
  ".owner.login // .name",
  ".license.spdx_id // null",
  ".license // {} | .spdx_id",
  "if .license then .license.spdx_id else null end",
  "if .archived then .name end",
  '.archived == false and (.name | startswith("a"))',
  ".name | ascii_downcase",
  '.full_name | split("/") | .[0]',
  ".topics | length",
  '[.topics[]? | select(startswith("team-")) | ltrimstr("team-")]',
  ".topics[0]",
  ".a[.i]",
  ".a[1:]",
  ".owner | type",
  ".owner | tojson",
  ".owner | keys",
  ".owner.login, .owner.id",
  "first(.owner.login, .name)",
  "[limit(1; .topics[])]",
  "{name, login: .owner.login}",
  "{(.k): .size}",
  '"\\(.name)-\\(.owner.login)"',
  '@base64 "\\(.name)"',
  ". as $r | .items | map($r.name)",
  ". as $r | .owner | .login + $r.name",
  ".owner as {login: $l} | $l",
  ".items | map(.x)",
  "reduce .a[] as $v (0; . + $v)",
  "[foreach .a[] as $v (0; . + $v)]",
  'try .owner.login catch "bad"',
  ".owner.login?",
  'has("license")',
  '.owner | has("login")',
  "select(.archived) | .name",
  "[.extra.deep.deeper[] | objects | .z]",
  ".extra.deep",
  ".owner | .login |= ascii_upcase",
  ".size / 1024 | floor",
  "-.size",
  ".owner.id as $id | $id + 1",
  "label $out | .topics[] | ., break $out",
  "isempty(.topics[])",
  "$__loc__.line",
  "env | length",
  '.name | test("^a")',
  "[.owner | .. | strings]",
  ".owner | to_entries | map(.key)",
  ".license | not",
  '(.owner | objects | .login) // "none"',
  "error(.name)",
  ".owner | error",
  "[.items[]? | .x]",
  "[.items[]?.x?]",
  "[.owner[]?]",
  "[.owner[]? | strings]",
  "[.items[]? | .x], (.items | length)",
  "[.items[]? | .x], .items[0]?",
  '[.items[]? | has("x")]',
  "[.extra.deep[]?[]? | objects | .z]",
  "[.owner[]?, .owner.login?]",
];

// Expressions that need the whole item: the analysis must say so.
const WHOLE = [
  ".",
  "keys",
  "length",
  "tojson",
  "to_entries",
  "del(.a)",
  "[.[]]",
  ".. | numbers",
  "{all: .}",
  '"\\(.)"',
  "@json",
  ". == {}",
  ".name = 1",
  "select(.archived)",
  ".missing // .",
  "paths",
  "with_entries(.)",
  "map_values(.)",
  ".[.k]",
  "def f: .name; f",
  ". as [$a] | $a",
  'getpath(["name"])',
  "reduce range(3) as $i (.; .owner)",
];

async function run(expression: string, items: unknown[]): Promise<string> {
  const jq = await jqEngine();
  const program = `${PRELUDE}\n(try [first${embed(expression)}] catch {e: .})`;
  const result = jq.raw(items.map((i) => JSON.stringify(i)).join("\n"), program, ["-c"]);
  if (result.exitCode !== 0) throw new Error(`${expression}: ${result.stderr}`);
  return result.stdout;
}

const show = (plan: KeepPlan): unknown =>
  Object.fromEntries([...plan].map(([k, v]) => [k, v === true ? true : show(v)]));

describe("what a mapping reads of an item", () => {
  it("finds exactly the keys and sub-keys simple expressions read", () => {
    const plan = neededPaths([".name", ".owner.login", ".license.spdx_id // null", 'has("topics")']);
    expect(plan && show(plan)).toEqual({
      name: true,
      owner: { login: true },
      license: { spdx_id: true },
      topics: {},
    });
  });

  it("keeps a value whole once it is used whole", () => {
    const plan = neededPaths([".owner.login", ".owner | tojson", ". as $r | .items | map($r.name + .x)"]);
    expect(plan && show(plan)).toEqual({ owner: true, items: true, name: true });
  });

  it.each(WHOLE)("needs the whole item for %s", (expression) => {
    expect(neededPaths([expression])).toBeUndefined();
  });

  it("never changes what an expression gives (jq itself is the judge)", async () => {
    let trimmed = 0;
    for (const expression of CORPUS) {
      const plan = neededPaths([expression]);
      if (!plan) continue;
      trimmed++;
      const whole = await run(expression, ITEMS);
      const small = await run(
        expression,
        ITEMS.map((item) => trim(item, plan)),
      );
      expect(small, expression).toBe(whole);
    }
    expect(trimmed).toBeGreaterThan(CORPUS.length * 0.8);
  });

  it("trims each element of an array the mapping iterates, keeping every element in order", () => {
    const plan = neededPaths(["[.assignees[].login]", ".user.login"]) as KeepPlan;
    expect(plan.get("assignees")).toEqual(new Map([[EACH, new Map([["login", true]])]]));
    const pr = {
      assignees: [
        { login: "ana", id: 1, url: "u1" },
        { login: "bo", id: 2, url: "u2" },
      ],
      user: { login: "cy", id: 3 },
      body: "long text",
    };
    expect(trim(pr, plan)).toEqual({ assignees: [{ login: "ana" }, { login: "bo" }], user: { login: "cy" } });
    // An object iterated keeps every key (and so every value, in order), each value trimmed.
    expect(trim({ assignees: { a: { login: "x", id: 1 }, b: 2 } }, plan)).toEqual({
      assignees: { a: { login: "x" }, b: 2 },
    });
  });

  it("trims only objects, keeping arrays and scalars as they are", () => {
    const plan = neededPaths([".owner.login"]) as KeepPlan;
    expect(trim({ owner: { login: "a", id: 1 }, other: 1 }, plan)).toEqual({ owner: { login: "a" } });
    expect(trim({ owner: [1, 2] }, plan)).toEqual({ owner: [1, 2] });
    expect(trim({ owner: "x" }, plan)).toEqual({ owner: "x" });
    expect(trim([1, 2], plan)).toEqual([1, 2]);
    expect(trim(null, plan)).toBeNull();
  });
});

describe("plain paths, which the mapper reads without jq", () => {
  it.each([
    [".name", ["name"]],
    [".owner.login", ["owner", "login"]],
    ['."full name"', ["full name"]],
    ['.owner["login"]', ["owner", "login"]],
    [".owner.login # who", ["owner", "login"]],
    [".owner.login?", undefined],
    [".", undefined],
    [".a[0]", undefined],
    [".a | .b", undefined],
    ['"x"', undefined],
  ])("%s → %j", (expression, keys) => {
    expect(plainPath(expression)).toEqual(keys);
  });
});

describe("expressions with one output at most", () => {
  it.each([
    [".name", true],
    ['.a.b // "x"', true],
    ["if .a then .b else .c end", true],
    ["[.topics[]]", true],
    [".topics | map(ascii_downcase)", true],
    ["{a: .x, b: .y}", true],
    ["select(.x)", true],
    [".topics[]", false],
    [".a, .b", false],
    ["{a: (.x, .y)}", false],
    ["range(3)", false],
    [".. | .a?", false],
    ["def f: 1; f", false],
    [".[] | select(.x)", false],
  ])("%s → %s", (expression, single) => {
    expect(atMostOneOutput(expression)).toBe(single);
  });
});
