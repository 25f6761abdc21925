import { describe, expect, it } from "vitest";
import { ConfigError, compileResource, configWarnings, loadConfig } from "../../lib/mapping/index.ts";
import { withOceanQuotes } from "../../lib/mapping/ocean-quotes.ts";
import { resourceFiles } from "../../lib/pipeline/resource-kind.ts";
import { configText, mapWith } from "./helpers.ts";

/** The problems compiling resource 0 of `text` reports, one formatted line each. */
async function compileProblems(text: string): Promise<string[]> {
  try {
    await compileResource(loadConfig(text, "config.yml"), 0);
  } catch (error) {
    if (error instanceof ConfigError) return error.lines();
    throw error;
  }
  throw new Error("the mapping compiled");
}

describe("Ocean's single-quote rewrite", () => {
  it.each([
    // Ocean's own test cases (JQEntityProcessor._format_filter)
    ["'/' + .organization", '"/" + .organization'],
    [".organization + '/'", '.organization + "/"'],
    [".organization + '/' + .repository", '.organization + "/" + .repository'],
    ['"shalom"', '"shalom"'],
    // what configs written for Ocean do
    [".description // ''", '.description // ""'],
    ["'githubRepository'", '"githubRepository"'],
    [".visibility == 'public'", '.visibility == "public"'],
  ])("%s → %s", (written, compiled) => {
    expect(withOceanQuotes(written)).toBe(compiled);
  });

  it.each([
    ['"it\'s"'], // an apostrophe inside a word
    ["('x')"], // next to a bracket: Ocean leaves it, and jq refuses it
    ["['a','b']"],
    ['.name | test("^o\'")'],
  ])("leaves %s as Ocean does", (written) => {
    expect(withOceanQuotes(written)).toBe(written);
  });

  it("rewrites quotes by whitespace inside a double-quoted string too, as Ocean does", () => {
    expect(withOceanQuotes(`"a 'b' c"`)).toBe(`"a "b" c"`);
  });

  it("applies to mapping fields and to the selector", async () => {
    const mappings = `
identifier: .name
blueprint: "'service'"
title: .visibility + '/' + .name
properties:
  description: .description // ''
`;
    const items = [
      { name: "api", visibility: "public", description: null },
      { name: "web", visibility: "private", description: "x" },
    ];
    const result = await mapWith(mappings, items, { selector: ".visibility == 'public'" });
    expect(result.failures).toEqual([]);
    expect(result.filtered).toBe(1);
    expect(result.entities.map((e) => e.entity)).toEqual([
      {
        identifier: "api",
        blueprint: "service",
        title: "public/api",
        properties: { description: "" },
        relations: {},
      },
    ]);
  });

  it("a quote Ocean does not rewrite stays a jq error naming the field and line", async () => {
    const text = configText(`identifier: .name\nblueprint: '"service"'\nproperties:\n  x: ('x')`);
    const [problem] = await compileProblems(text);
    expect(problem).toMatch(
      /^config\.yml: resources\[0\]\.port\.entity\.mappings\.properties\.x: jq \(kind repository\): .* \(line 11\)$/,
    );
  });
});

describe("unknown keys under resources[]", () => {
  it("are accepted and ignored, each named with its path and line", async () => {
    const text = `resources:
  - kind: repository
    description: our services
    selector:
      query: 'true'
      includedFiles: [README.md]
    port:
      entity:
        mappings:
          identifier: .name
          blueprint: '"service"'
          identifer: .id
          relations:
            owner:
              combinator: '"and"'
              note: by login
              rules:
                - property: '"$identifier"'
                  operator: '"="'
                  value: .owner.login
                  comment: x
        extra: true
      itemsToParseNmae: .files
`;
    const config = loadConfig(text, "config.yml");
    expect(configWarnings(config)).toEqual([
      "config.yml: resources[0].description: unknown key, ignored as Ocean does (known: kind, selector, port) (line 3)",
      "config.yml: resources[0].port.entity.mappings.identifer: unknown key, ignored as Ocean does (did you mean identifier?) (line 12)",
      "config.yml: resources[0].port.entity.mappings.relations.owner.note: unknown key, ignored as Ocean does (known: combinator, rules) (line 16)",
      "config.yml: resources[0].port.entity.mappings.relations.owner.rules[0].comment: unknown key, ignored as Ocean does (known: property, operator, value) (line 21)",
      "config.yml: resources[0].port.entity.extra: unknown key, ignored as Ocean does (known: mappings) (line 22)",
      "config.yml: resources[0].port.itemsToParseNmae: unknown key, ignored as Ocean does (did you mean itemsToParseName?) (line 23)",
    ]);
    // Selector options (includedFiles) and top-level settings are not unknown keys; nothing leaks into the mapping.
    const mapper = await compileResource(config, 0);
    const { entities } = await mapper.map([{ name: "api", id: 1, owner: { login: "ada" } }]);
    expect(entities[0]?.entity).toEqual({
      identifier: "api",
      blueprint: "service",
      properties: {},
      relations: {
        owner: { combinator: "and", rules: [{ property: "$identifier", operator: "=", value: "ada" }] },
      },
    });
  });

  it("a config without any has no warnings", () => {
    expect(configWarnings(loadConfig(configText(`identifier: .name\nblueprint: '"s"'`)))).toEqual([]);
  });
});

describe("value prefixes", () => {
  const MAPPINGS = `
identifier: .name
blueprint: '"service"'
properties:
  readme: file://README.md
  owners: file://docs/OWNERS
  name: .name
`;

  it("file://PATH maps to the file the source attached to the item, null when it has none", async () => {
    const items = [
      { name: "api", __includedFiles: { "README.md": "# api\n", "docs/OWNERS": null } },
      { name: "web" },
    ];
    const result = await mapWith(MAPPINGS, items);
    expect(result.failures).toEqual([]);
    expect(result.entities.map((e) => e.entity.properties)).toEqual([
      { readme: "# api\n", owners: null, name: "api" },
      { readme: null, owners: null, name: "web" },
    ]);
  });

  it("the files a resource needs: its file:// values and its selector's includedFiles, once each", () => {
    const config = loadConfig(
      configText(MAPPINGS, { selector: "true" }).replace(
        'query: "true"',
        'query: "true"\n      includedFiles: [CODEOWNERS, README.md]',
      ),
    );
    expect(resourceFiles(config.resources[0] as never)).toEqual(["CODEOWNERS", "README.md", "docs/OWNERS"]);
  });

  it("another prefix is refused naming the prefix, the field and the line, not as a jq syntax error", async () => {
    const text = configText(
      `identifier: .name\nblueprint: '"service"'\nproperties:\n  hasDocker: search://scope=blobs&&query=filename:Dockerfile`,
    );
    expect(await compileProblems(text)).toEqual([
      'config.yml: resources[0].port.entity.mappings.properties.hasDocker: value prefix search:// is not supported (Tide supports file:// only; see "Differences from Ocean") (line 11)',
    ]);
  });

  it("file:// in the selector or itemsToParse is refused, and so is one without a path", async () => {
    const text = configText(`identifier: .name\nblueprint: '"service"'\ntitle: file://`, {
      selector: "file://README.md",
      port: "itemsToParse: file://files.json",
    });
    expect(await compileProblems(text)).toEqual([
      "config.yml: resources[0].selector.query: value prefix file:// is only supported in entity mappings, not in selector.query (line 4)",
      "config.yml: resources[0].port.itemsToParse: value prefix file:// is only supported in entity mappings, not in itemsToParse (line 6)",
      "config.yml: resources[0].port.entity.mappings.title: file:// needs a path, e.g. file://README.md (line 11)",
    ]);
  });
});
