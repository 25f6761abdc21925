import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, loadConfigFile, parseConfig } from "../../lib/mapping/index.ts";

const MINIMAL = `resources:
  - kind: repository
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifier: .name
          blueprint: '"service"'
`;

/** The problems a config text has, one formatted line each. */
function problems(text: string, fileName = "port-app-config.yml"): string[] {
  try {
    loadConfig(text, fileName);
  } catch (error) {
    if (error instanceof ConfigError) return error.lines();
    throw error;
  }
  throw new Error("the config was accepted");
}

describe("loading port-app-config.yml", () => {
  it("fills in Ocean's defaults", () => {
    const config = loadConfig(MINIMAL);
    expect(config.enableMergeEntity).toBe(true);
    expect(config.deleteDependentEntities).toBe(true);
    expect(config.createMissingRelatedEntities).toBe(true);
    expect(config.entityDeletionThreshold).toBe(0.9);
    const [resource] = config.resources;
    expect(resource?.port.itemsToParseName).toBe("item");
    expect(resource?.port.itemsToParseTopLevelTransform).toBe(true);
    expect(resource?.port.itemsToParse).toBeUndefined();
    expect(resource?.port.entity.mappings.properties).toEqual({});
    expect(resource?.port.entity.mappings.relations).toEqual({});
  });

  it("keeps what the file sets, selector options and unknown top-level settings", () => {
    const config = loadConfig(`
enableMergeEntity: false
deleteDependentEntities: false
createMissingRelatedEntities: false
entityDeletionThreshold: 0.25
repositoryType: all
resources:
  - kind: pull-request
    selector:
      query: .state == "open"
      state: open
    port:
      itemsToParse: .files
      itemsToParseName: file
      itemsToParseTopLevelTransform: false
      entity:
        mappings:
          identifier: .file.path
          title: .file.name
          blueprint: '"file"'
          icon: '"Git"'
          team: .team
          properties:
            size: .file.size
          relations:
            pr: .number | tostring
`);
    expect(config).toMatchObject({
      enableMergeEntity: false,
      deleteDependentEntities: false,
      createMissingRelatedEntities: false,
      entityDeletionThreshold: 0.25,
      repositoryType: "all",
    });
    const [resource] = config.resources;
    expect(resource?.selector).toEqual({ query: '.state == "open"', state: "open" });
    expect(resource?.port).toMatchObject({ itemsToParse: ".files", itemsToParseName: "file" });
    expect(resource?.port.itemsToParseTopLevelTransform).toBe(false);
    expect(resource?.port.entity.mappings).toEqual({
      identifier: ".file.path",
      title: ".file.name",
      blueprint: '"file"',
      icon: '"Git"',
      team: ".team",
      properties: { size: ".file.size" },
      relations: { pr: ".number | tostring" },
    });
  });

  it("reads JSON as well as YAML, and stays plain JSON data", () => {
    const config = loadConfig(
      JSON.stringify({
        resources: [
          {
            kind: "team",
            selector: { query: "true" },
            port: { entity: { mappings: { identifier: ".slug", blueprint: '"team"' } } },
          },
        ],
      }),
    );
    expect(JSON.parse(JSON.stringify(config))).toEqual(config);
    expect(parseConfig(JSON.parse(JSON.stringify(config)))).toEqual(config);
  });

  it("takes YAML numbers and booleans as the jq literals they are", () => {
    const config = loadConfig(
      `${MINIMAL}          properties:\n            count: 5\n            enabled: true\n`,
    );
    expect(config.resources[0]?.port.entity.mappings.properties).toEqual({ count: "5", enabled: "true" });
  });

  it("accepts search-query identifiers, teams and relations, and nested queries", () => {
    const config = loadConfig(`resources:
  - kind: repository
    selector: {query: 'true'}
    port:
      entity:
        mappings:
          identifier:
            combinator: '"and"'
            rules:
              - property: '"$title"'
                operator: '"="'
                value: .name
          blueprint: '"service"'
          team:
            combinator: '"or"'
            rules:
              - property: '"slug"'
                operator: '"in"'
                value: .teams
              - combinator: '"and"'
                rules:
                  - property: '"$identifier"'
                    operator: '"isNotEmpty"'
`);
    const mappings = config.resources[0]?.port.entity.mappings;
    expect(mappings?.identifier).toEqual({
      combinator: '"and"',
      rules: [{ property: '"$title"', operator: '"="', value: ".name" }],
    });
    expect(mappings?.team).toMatchObject({
      combinator: '"or"',
      rules: [{ value: ".teams" }, { combinator: '"and"' }],
    });
  });
});

describe("config problems", () => {
  it("reports a missing field with its path and the line of its parent", () => {
    const text = MINIMAL.replace("          identifier: .name\n", "");
    expect(problems(text)).toEqual([
      "port-app-config.yml: resources[0].port.entity.mappings.identifier: required (line 7)",
    ]);
  });

  it("reports every problem at once, each with path and line, in file order", () => {
    const text = `entityDeletionThreshold: 1.5
resources:
  - kind: repository
    selector:
      query: 'true'
    port:
      entity:
        mappings:
          identifer: .name
          blueprint: '"service"'
          properties:
            "has space": .x
            nothing: null
  - kind: 5
    port:
      itemsToParseTopLevelTransform: "yes"
      entity:
        mappings: {identifier: .id, blueprint: '"b"'}
`;
    expect(problems(text, "config.yml")).toEqual([
      "config.yml: entityDeletionThreshold: must be between 0 and 1 (line 1)",
      "config.yml: resources[0].port.entity.mappings.identifier: required (line 8)",
      "config.yml: resources[0].port.entity.mappings.identifer: unknown key, ignored as Ocean does (did you mean identifier?) (line 9)",
      'config.yml: resources[0].port.entity.mappings.properties["has space"]: property identifier "has space" may only contain A-Z a-z 0-9 @ _ = - (found " ") (line 12)',
      "config.yml: resources[0].port.entity.mappings.properties.nothing: must be a jq expression (a string) (line 13)",
      "config.yml: resources[1].kind: must be a kind name (a string) (line 14)",
      "config.yml: resources[1].selector: required (line 14)",
      "config.yml: resources[1].port.itemsToParseTopLevelTransform: expected a boolean, got string (line 16)",
    ]);
  });

  it("points into search queries: a rule missing its operator, a query missing its rules", () => {
    const text = `resources:
  - kind: repository
    selector: {query: 'true'}
    port:
      entity:
        mappings:
          identifier: .name
          blueprint: '"service"'
          relations:
            owner:
              combinator: '"and"'
              rules:
                - property: '"login"'
                  value: .owner.login
                - combinator: '"or"'
            team: [".a"]
`;
    expect(problems(text)).toEqual([
      "port-app-config.yml: resources[0].port.entity.mappings.relations.owner.rules[0].operator: required (line 13)",
      "port-app-config.yml: resources[0].port.entity.mappings.relations.owner.rules[1].rules: required (line 15)",
      "port-app-config.yml: resources[0].port.entity.mappings.relations.team: must be a jq expression or a search query {combinator, rules} (line 16)",
    ]);
  });

  it("reports YAML syntax errors with their line", () => {
    const lines = problems("resources:\n  - kind: repository\n    selector: {query: 'true'\n    port: 1\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^port-app-config\.yml: invalid YAML: .+ \(line \d\)$/);
  });

  it("reports a duplicate key at the duplicate", () => {
    expect(problems(`${MINIMAL}enableMergeEntity: true\nenableMergeEntity: false\n`)).toEqual([
      "port-app-config.yml: invalid YAML: Map keys must be unique (line 11)",
    ]);
  });

  it("says so when the file is empty, or is not a mapping", () => {
    expect(problems("")).toEqual(["port-app-config.yml: the config is empty; it needs `resources:`"]);
    expect(problems("- 1\n- 2\n")).toEqual(["port-app-config.yml: expected a mapping, got a list (line 1)"]);
  });

  it("throws a typed ConfigError carrying the file name and structured issues", () => {
    let caught: unknown;
    try {
      parseConfig({ resources: [{ kind: "x" }] }, "Port integration config");
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    const error = caught as ConfigError;
    expect(error.fileName).toBe("Port integration config");
    expect(error.issues).toEqual([
      { path: "resources[0].selector", line: undefined, message: "required" },
      { path: "resources[0].port", line: undefined, message: "required" },
    ]);
    expect(error.message).toBe(error.lines().join("\n"));
  });

  it("loads files, and names a missing one", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tide-config-"));
    await writeFile(join(dir, "port-app-config.yml"), MINIMAL);
    const config = await loadConfigFile(join(dir, "port-app-config.yml"));
    expect(config.resources.map((r) => r.kind)).toEqual(["repository"]);
    await expect(loadConfigFile(join(dir, "missing.yml"), "missing.yml")).rejects.toThrow(
      "missing.yml: cannot read the file: no such file",
    );
  });
});
