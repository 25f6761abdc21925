import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { ConfigError, compileConfig, compileResource, loadConfig } from "../../lib/mapping/index.ts";
import { configText, mapperFor, mapWith } from "./helpers.ts";

const BASIC = `
identifier: .name
blueprint: '"service"'
`;

describe("mapping every field", () => {
  it("maps identifier, title, blueprint, icon, team, properties and relations", async () => {
    const result = await mapWith(
      `
identifier: .full_name
title: .name | ascii_upcase
blueprint: '"githubRepository"'
icon: '"Github"'
team: .owner.team
properties:
  url: .html_url
  stars: .stargazers_count
  private: .private
  topics: .topics
  license: .license.spdx_id // "none"
  missing: .nope
  owner: .owner
relations:
  organization: .owner.login
  maintainers: '[.maintainers[].login]'
  parent: .parent
`,
      [
        {
          full_name: "acme/api",
          name: "api",
          html_url: "https://github.com/acme/api",
          stargazers_count: 7,
          private: false,
          topics: ["go", "tier-1"],
          license: null,
          owner: { login: "acme", team: "platform" },
          maintainers: [{ login: "ada" }, { login: "bob" }],
          parent: null,
        },
      ],
    );
    expect(result).toEqual({
      entities: [
        {
          itemIndex: 0,
          entity: {
            identifier: "acme/api",
            title: "API",
            blueprint: "githubRepository",
            icon: "Github",
            team: "platform",
            properties: {
              url: "https://github.com/acme/api",
              stars: 7,
              private: false,
              topics: ["go", "tier-1"],
              license: "none",
              missing: null,
              owner: { login: "acme", team: "platform" },
            },
            relations: { organization: "acme", maintainers: ["ada", "bob"], parent: null },
          },
        },
      ],
      filtered: 0,
      skipped: [],
      failures: [],
    });
  });

  it("sends only the fields the mapping has, with empty properties and relations as Ocean does", async () => {
    const { entities } = await mapWith(BASIC, [{ name: "api" }]);
    expect(entities[0]?.entity).toEqual({
      identifier: "api",
      blueprint: "service",
      properties: {},
      relations: {},
    });
  });

  it("takes a team list, and turns numeric identifiers and relation targets into strings", async () => {
    const { entities } = await mapWith(
      `
identifier: .id
blueprint: '"pr"'
title: .number
team: .teams
relations:
  repository: .repo_id
  reviewers: .reviewer_ids
`,
      [{ id: 1234, number: 5, teams: ["a", "b"], repo_id: 77, reviewer_ids: [1, 2] }],
    );
    expect(entities[0]?.entity).toMatchObject({
      identifier: "1234",
      title: "5",
      team: ["a", "b"],
      relations: { repository: "77", reviewers: ["1", "2"] },
    });
  });

  it("takes the first output of an expression, and null when there is none (as Ocean's jq.first)", async () => {
    const { entities, failures } = await mapWith(
      `
identifier: .name
blueprint: '"service"'
properties:
  firstTopic: .topics[]
  nothing: empty
  firstOfTwo: .a, .b
  infinite: repeat(1)
`,
      [{ name: "api", topics: ["x", "y"], a: 1, b: 2 }],
    );
    expect(failures).toEqual([]);
    expect(entities[0]?.entity.properties).toEqual({
      firstTopic: "x",
      nothing: null,
      firstOfTwo: 1,
      infinite: 1,
    });
  });

  it("gives jq's real semantics for //, if, split and ascii_downcase", async () => {
    const { entities } = await mapWith(
      `
identifier: .name
blueprint: '"service"'
properties:
  lang: .language // "unknown"
  falseIsAlternative: .archived // "alt"
  kind: if .fork then "fork" elif .archived then "archived" else "source" end
  org: .full_name | split("/") | .[0]
  lower: .full_name | ascii_downcase
  size: .size / 1024 | floor
  when: .pushed_at | fromdateiso8601
`,
      [
        {
          name: "api",
          language: null,
          archived: false,
          fork: false,
          full_name: "ACME/Api",
          size: 3000,
          pushed_at: "2024-01-02T03:04:05Z",
        },
      ],
    );
    expect(entities[0]?.entity.properties).toEqual({
      lang: "unknown",
      falseIsAlternative: "alt",
      kind: "source",
      org: "ACME",
      lower: "acme/api",
      size: 2,
      when: Date.UTC(2024, 0, 2, 3, 4, 5) / 1000,
    });
  });

  it("hides the process environment from mappings", async () => {
    process.env.TIDE_TEST_SECRET = "do-not-leak";
    try {
      const { entities } = await mapWith(
        `
identifier: .name
blueprint: '"service"'
properties:
  env: env
  ENV: $ENV
  viaEnv: env.TIDE_TEST_SECRET
`,
        [{ name: "api" }],
      );
      expect(entities[0]?.entity.properties).toEqual({ env: {}, ENV: {}, viaEnv: null });
    } finally {
      delete process.env.TIDE_TEST_SECRET;
    }
  });
  it("keeps a mapping from stopping the engine or reading other items", async () => {
    const result = await mapWith(
      `
identifier: .name
blueprint: '"service"'
properties:
  stop: if .stop then halt_error else "ran" end
  next: if .peek then input else "own" end
  noisy: . | debug | .name
`,
      [{ name: "a", stop: true }, { name: "b", peek: true }, { name: "c" }],
    );
    expect(result.entities.map((e) => [e.entity.identifier, e.entity.properties])).toEqual([
      ["c", { stop: "ran", next: "own", noisy: "c" }],
    ]);
    expect(result.failures).toEqual([
      {
        itemIndex: 0,
        key: "a",
        field: "properties.stop",
        message: "halt_error is not available in a mapping",
      },
      { itemIndex: 1, key: "b", field: "properties.next", message: "input is not available in a mapping" },
    ]);
  });
});

describe("search queries", () => {
  const QUERY = `
combinator: '"and"'
rules:
  - property: '"$title"'
    operator: '"="'
    value: .name
  - combinator: '"or"'
    rules:
      - property: '"language"'
        operator: '"in"'
        value: '[.language, "any"]'
`;
  const nested = (text: string, spaces: number) =>
    text
      .trim()
      .split("\n")
      .map((l) => `${" ".repeat(spaces)}${l}`)
      .join("\n");

  it("evaluates every leaf of a search-query identifier, team and relation, and passes the query on", async () => {
    const { entities, failures } = await mapWith(
      `
identifier:
${nested(QUERY, 2)}
blueprint: '"service"'
team:
${nested(QUERY, 2)}
relations:
  service:
${nested(QUERY, 4)}
`,
      [{ name: "api", language: "Go" }],
    );
    expect(failures).toEqual([]);
    const query = {
      combinator: "and",
      rules: [
        { property: "$title", operator: "=", value: "api" },
        { combinator: "or", rules: [{ property: "language", operator: "in", value: ["Go", "any"] }] },
      ],
    };
    expect(entities[0]?.entity).toMatchObject({
      identifier: query,
      team: query,
      relations: { service: query },
    });
  });

  it("fails an item whose query combinator is not and/or, naming the leaf", async () => {
    const { failures } = await mapWith(
      `
identifier: .name
blueprint: '"service"'
relations:
  owner:
    combinator: .mode
    rules:
      - property: '"login"'
        operator: '"="'
        value: .owner
`,
      [{ name: "api", mode: "xor", owner: "ada" }],
    );
    expect(failures).toEqual([
      {
        itemIndex: 0,
        key: "api",
        field: "relations.owner.combinator",
        message: 'must be "and" or "or", got string "xor"',
      },
    ]);
  });
});

describe("selectors", () => {
  const items = [
    { name: "a", archived: false },
    { name: "b", archived: true },
    { name: "c", archived: "no" },
    { name: "d" },
  ];

  it("keeps the items the selector says true to and counts the others as filtered", async () => {
    const result = await mapWith(BASIC, items, { selector: ".archived == false" });
    expect(result.entities.map((e) => [e.itemIndex, e.entity.identifier])).toEqual([[0, "a"]]);
    expect(result.filtered).toBe(3);
    expect(result.failures).toEqual([]);
  });

  it("fails an item whose selector is not a boolean, naming the selector and the value", async () => {
    const result = await mapWith(BASIC, items, { selector: ".archived" });
    expect(result.entities.map((e) => e.itemIndex)).toEqual([1]);
    expect(result.filtered).toBe(1);
    expect(result.failures).toEqual([
      {
        itemIndex: 2,
        key: "c",
        field: "selector.query",
        message: 'must return true or false, got string "no"',
      },
      { itemIndex: 3, key: "d", field: "selector.query", message: "must return true or false, got null" },
    ]);
  });

  it("fails an item whose selector errors or gives no value", async () => {
    const result = await mapWith(
      BASIC,
      [
        { name: "a", tags: "x" },
        { name: "b", tags: [] },
      ],
      {
        selector: '.tags[] | . == "x"',
      },
    );
    expect(result.failures).toEqual([
      { itemIndex: 0, key: "a", field: "selector.query", message: 'Cannot iterate over string ("x")' },
      { itemIndex: 1, key: "b", field: "selector.query", message: "must return true or false, got no value" },
    ]);
  });
});

describe("items that fail or are skipped", () => {
  const MAPPING = `
identifier: .name
blueprint: '"service"'
properties:
  org: .full_name | split("/") | .[0]
  sizeKb: .size / 1024
`;

  it("reports an item whose field throws and maps the rest of the batch", async () => {
    const items = [
      { name: "a", full_name: "acme/a", size: 2048 },
      { name: "b", full_name: 42, size: 1024 },
      { name: "c", full_name: "acme/c", size: 0 },
    ];
    const result = await mapWith(MAPPING, items);
    expect(result.entities.map((e) => [e.itemIndex, e.entity.properties])).toEqual([
      [0, { org: "acme", sizeKb: 2 }],
      [2, { org: "acme", sizeKb: 0 }],
    ]);
    expect(result.failures).toEqual([
      {
        itemIndex: 1,
        key: "b",
        field: "properties.org",
        message: "split input and separator must be strings",
      },
    ]);
  });

  it("names every field that failed for one item", async () => {
    const result = await mapWith(MAPPING, [{ name: "x", full_name: 1, size: "big" }]);
    expect(result.failures).toEqual([
      {
        itemIndex: 0,
        key: "x",
        field: "properties.org",
        message: "split input and separator must be strings (also failed: properties.sizeKb)",
      },
    ]);
  });

  it("reports a failing identifier by the item's own name, and an error/1 value", async () => {
    const result = await mapWith(
      `
identifier: .id | ascii_downcase
blueprint: '"service"'
properties:
  checked: 'if .ok then true else error({reason: "not ok"}) end'
`,
      [
        { full_name: "acme/a", id: 5 },
        { name: "b", id: "B", ok: false },
      ],
    );
    expect(result.failures).toEqual([
      { itemIndex: 0, key: "acme/a", field: "identifier", message: "explode input must be a string" },
      {
        itemIndex: 1,
        key: "b",
        field: "properties.checked",
        message: '{"reason":"not ok"} (raised by error/1)',
      },
    ]);
  });

  it("skips items whose identifier or blueprint is null or empty, with the reason", async () => {
    const result = await mapWith(
      `
identifier: .id
blueprint: .bp
`,
      [
        { id: "a", bp: "service" },
        { id: null, bp: "service", name: "no-id" },
        { id: "", bp: "service" },
        { id: "c", bp: null },
        { id: "d", bp: "" },
      ],
    );
    expect(result.entities.map((e) => e.itemIndex)).toEqual([0]);
    expect(result.skipped).toEqual([
      { itemIndex: 1, key: "no-id", reason: "identifier is null" },
      { itemIndex: 2, reason: "identifier is an empty string" },
      { itemIndex: 3, key: "c", reason: "blueprint is null" },
      { itemIndex: 4, key: "d", reason: "blueprint is an empty string" },
    ]);
    expect(result.failures).toEqual([]);
  });

  it("checks identifiers against Port's rules before anything leaves the mapper", async () => {
    const result = await mapWith(
      `
identifier: .id
blueprint: .bp
relations:
  owner: .owner
`,
      [
        { id: "ok/id:1", bp: "service", owner: "ada" },
        { id: "has space", bp: "service" },
        { id: "a", bp: "bad=blueprint" },
        { id: "b", bp: "service", owner: "bad owner" },
        { id: "x".repeat(1001), bp: "service" },
        { id: { not: "a query" }, bp: "service" },
      ],
    );
    expect(result.entities.map((e) => e.itemIndex)).toEqual([0]);
    expect(result.failures.map((f) => [f.itemIndex, f.field, f.message])).toEqual([
      [
        1,
        "identifier",
        `entity identifier "has space" may only contain letters, digits and @_.+:\\/='- (found " ")`,
      ],
      [
        2,
        "blueprint",
        'blueprint identifier "bad=blueprint" may only contain letters, digits and @_.+:\\/- (found "=")',
      ],
      [
        3,
        "relations.owner",
        `target entity identifier "bad owner" may only contain letters, digits and @_.+:\\/='- (found " ")`,
      ],
      [4, "identifier", "entity identifier is 1001 characters long, the limit is 1000"],
      [5, "identifier", "entity identifier must be a string, got an object"],
    ]);
  });

  it("fails an item that is not JSON data instead of the batch", async () => {
    const mapper = await mapperFor(`
identifier: .name
blueprint: '"service"'
properties:
  self: .self | length
`);
    const cyclic: Record<string, unknown> = { name: "loop" };
    cyclic.self = cyclic;
    const result = await mapper.map([{ name: "a" }, undefined, 10n, cyclic, { name: "b" }]);
    expect(result.entities.map((e) => [e.itemIndex, e.entity.identifier])).toEqual([
      [0, "a"],
      [4, "b"],
    ]);
    expect(result.failures).toEqual([
      { itemIndex: 1, field: "item", message: "the item is not JSON data" },
      { itemIndex: 2, field: "item", message: "the item is not JSON data" },
      { itemIndex: 3, field: "item", message: "the item is not JSON data" },
    ]);
  });
});

describe("compiling", () => {
  it("reports a jq compile error at compile time with resource index, kind, field and line", async () => {
    const config = loadConfig(
      configText(`
identifier: .name
blueprint: '"service"'
properties:
  ok: .x
  broken: .name | ascii_downcas
  unbalanced: .a) | (.b
`),
    );
    const error = await compileResource(config, 0).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).lines()).toEqual([
      "port-app-config.yml: resources[0].port.entity.mappings.properties.broken: jq (kind repository): ascii_downcas/0 is not defined at column 9 (line 12)",
      "port-app-config.yml: resources[0].port.entity.mappings.properties.unbalanced: jq (kind repository): syntax error, unexpected INVALID_CHARACTER, expecting end of file at column 3 (line 13)",
    ]);
  });

  it("reports the problems of every resource at once", async () => {
    const text = `resources:
  - kind: repository
    selector: {query: '.x ==='}
    port: {entity: {mappings: {identifier: .name, blueprint: '"a"'}}}
  - kind: team
    selector: {query: 'true'}
    port:
      itemsToParse: .members[
      entity: {mappings: {identifier: .name, blueprint: '"b"'}}
`;
    const error = await compileConfig(loadConfig(text)).catch((e: unknown) => e);
    expect((error as ConfigError).issues.map((i) => [i.path, i.line])).toEqual([
      ["resources[0].selector.query", 3],
      ["resources[1].port.itemsToParse", 8],
    ]);
  });

  it("names a resource index that does not exist", async () => {
    const config = loadConfig(configText(BASIC));
    await expect(compileResource(config, 3)).rejects.toThrow(
      "resources[3]: no such resource (the config has 1)",
    );
  });

  it("compiles the example GitHub mapping, and keeps mapping after many batches", async () => {
    const text = await readFile(
      new URL("../../lib/mapping/examples/github-repository.yml", import.meta.url),
      "utf8",
    );
    const config = loadConfig(text, "github-repository.yml");
    const [mapper] = await compileConfig(config);
    const repo = (i: number) => ({
      full_name: `Acme/Repo-${i}`,
      name: `repo-${i}`,
      archived: i % 5 === 0,
      topics: i % 2 ? ["team-core"] : [],
      html_url: `https://github.com/acme/repo-${i}`,
      owner: { login: "acme", id: 1 },
      size: i * 100,
      license: i % 3 ? { spdx_id: "MIT" } : null,
    });
    let entities = 0;
    for (let batch = 0; batch < 400; batch++) {
      const result = await mapper?.map(Array.from({ length: 10 }, (_, i) => repo(batch * 10 + i)));
      expect(result?.failures).toEqual([]);
      entities += result?.entities.length ?? 0;
    }
    expect(entities).toBe(3200);
    const one = await mapper?.map([repo(7)]);
    expect(one?.entities[0]?.entity).toMatchObject({
      identifier: "acme/repo-7",
      team: ["core"],
      properties: { license: "MIT", sizeMb: 0, language: "unknown" },
      relations: { organization: "acme", service: { combinator: "and" } },
    });
  });

  it("maps batches larger than one jq call, in order", async () => {
    const mapper = await mapperFor(`
identifier: .id | tostring
blueprint: '"n"'
properties:
  pad: .pad
`);
    const items = Array.from({ length: 12_000 }, (_, i) => ({ id: i, pad: "x".repeat(200) }));
    const result = await mapper.map(items);
    expect(result.entities).toHaveLength(12_000);
    expect(result.entities.every((e, i) => e.itemIndex === i && e.entity.identifier === String(i))).toBe(
      true,
    );
  });
});

describe("shortcuts", () => {
  // The same mapping twice: as written (items trimmed, plain paths read in JavaScript), and
  // disguised so that jq does everything on whole items. Both must say the same.
  const FIELDS: Array<[string, string]> = [
    ["identifier", ".full_name"],
    ["title", ".name"],
    ["blueprint", '"service"'],
    ["properties.login", ".owner.login"],
    ["properties.owner", ".owner"],
    ["properties.spdx", ".license.spdx_id"],
    ["properties.topics", ".topics"],
    ["properties.lang", '.language // "none"'],
    ["properties.weird", '."odd key"'],
    ["relations.org", ".owner.login"],
  ];
  const yaml = (disguise: boolean) => {
    const lines: string[] = [];
    let section = "";
    for (const [field, expression] of FIELDS) {
      const e = disguise ? `(${expression}) as $x | $x` : expression;
      const [head, name] = field.split(".") as [string, string | undefined];
      if (name && head !== section) lines.push(`${head}:`);
      section = name ? head : "";
      lines.push(name ? `  ${name}: ${JSON.stringify(e)}` : `${head}: ${JSON.stringify(e)}`);
    }
    return lines.join("\n");
  };
  const ITEMS: unknown[] = [
    {
      full_name: "acme/a",
      name: "a",
      owner: { login: "acme", id: 1 },
      license: { spdx_id: "MIT" },
      topics: ["x"],
    },
    { full_name: "acme/b", name: "b", owner: null, license: null, language: "Go", "odd key": 3 },
    { full_name: "acme/c", name: "c", owner: "acme", license: { spdx_id: 5 } },
    { full_name: "acme/d", name: "d", owner: [1], license: "MIT" },
    {
      full_name: "acme/e",
      owner: { login: null },
      topics: { not: "a list" },
      __proto__: { inherited: true },
    },
    { full_name: "acme/f", name: "f", owner: { login: "acme", extra: undefined }, language: false },
    { full_name: 7, name: "g" },
    { full_name: null, name: "h" },
    "just a string",
    [1, 2],
    null,
  ];

  it("give exactly what plain jq on whole items gives", async () => {
    const fast = await mapWith(yaml(false), ITEMS, { selector: '.name != "zzz"' });
    const { fastPathFallbacks, ...plain } = await mapWith(yaml(true), ITEMS, {
      selector: 'length >= 0 and .name != "zzz"',
    });
    // Reading the whole item (`length`) is the optimiser giving up, and it says so.
    expect(fastPathFallbacks).toEqual(["items go to jq whole (an expression reads the whole item)"]);
    expect(fast.failures.length + fast.skipped.length).toBeGreaterThan(3);
    expect(JSON.parse(JSON.stringify(fast))).toEqual(JSON.parse(JSON.stringify(plain)));
  });
});

describe("when the shortcuts and plain jq disagree", () => {
  it("maps the plain way from then on, even within the same call", async () => {
    // `now` differs between the two runs of the first chunk, so the check cannot agree.
    const mapper = await mapperFor(`
identifier: .id | tostring
title: .name
blueprint: '"tick"'
properties:
  at: now
`);
    const items = Array.from({ length: 6_500 }, (_, i) => ({
      id: i,
      name: `item-${i}`,
      noise: "x".repeat(50),
    }));
    const result = await mapper.map(items);
    expect(result.failures).toEqual([]);
    expect(result.entities).toHaveLength(6_500);
    expect(result.entities.every((e, i) => e.entity.title === `item-${i}`)).toBe(true);
    expect(result.entities.every((e) => typeof e.entity.properties?.at === "number")).toBe(true);
    const again = await mapper.map(items.slice(0, 3));
    expect(again.entities.map((e) => e.entity.title)).toEqual(["item-0", "item-1", "item-2"]);
  });
});
