/**
 * Bad `port-app-config.yml` files: bad YAML, missing fields, wrong types, bad jq. Each gives a
 * `ConfigError` naming the file, the path in the config and the line; nothing is synced with
 * a config that does not load, and nothing is deleted.
 */
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildRuntime } from "../../lib/aws/runtime.ts";
import { ConfigError, compileResource, loadConfig } from "../../lib/mapping/index.ts";
import { ResyncRequestError } from "../../lib/pipeline/errors.ts";
import { startThingWorld, THING_CONFIG, things } from "./harness.ts";

const FILE = "port-app-config.yml";

/** A resource of kind `thing` with these mapping lines (indented under `mappings:`). */
const withMappings = (lines: string) =>
  `resources:\n  - kind: thing\n    selector:\n      query: "true"\n    port:\n      entity:\n        mappings:\n${lines}`;
const valid = withMappings(`          identifier: .id\n          blueprint: '"thing"'\n`);

function configError(text: string): ConfigError {
  try {
    loadConfig(text, FILE);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("the config loaded");
}

async function compileError(text: string): Promise<ConfigError> {
  const error = await compileResource(loadConfig(text, FILE), 0).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe("configs that do not load", () => {
  it.each([
    ["an empty file", "", "the config is empty; it needs `resources:`", undefined],
    [
      "an unclosed quote",
      `resources:\n  - kind: "thing\n    selector: {}`,
      "invalid YAML: Missing closing",
      3,
    ],
    ["tabs for indentation", "resources:\n\t- kind: thing", "invalid YAML: Tabs are not allowed", 2],
    ["a key given twice", "resources: []\nresources: []", "invalid YAML: Map keys must be unique", 2],
    [
      "JSON cut short",
      '{"resources": [{"kind": "thing", "port": {"entity": {"mappings": {"identifier": ".id"',
      "invalid YAML",
      1,
    ],
    ["a list at the top", "- kind: thing", "expected a mapping, got a list", 1],
    ["binary junk", "\u0000\u0001\u0002resources", "expected a mapping, got string", 1],
  ])("%s: says what is wrong and on which line", (_, text, message, line) => {
    const error = configError(text);
    expect(error.message.startsWith(`${FILE}: `)).toBe(true);
    expect(error.issues[0]?.message).toContain(message);
    expect(error.issues[0]?.line).toBe(line);
  });

  it.each([
    ["resources as a string", 'resources: "all of them"', "resources", "expected a list, got string", 1],
    [
      "a resource without kind",
      'resources:\n  - selector:\n      query: "true"',
      "resources[0].kind",
      "required",
      2,
    ],
    [
      "a mapping without identifier",
      withMappings(`          blueprint: '"thing"'\n`),
      "resources[0].port.entity.mappings.identifier",
      "required",
      7,
    ],
    [
      "a mapping without blueprint",
      withMappings("          identifier: .id\n"),
      "resources[0].port.entity.mappings.blueprint",
      "required",
      7,
    ],
    [
      "a threshold that is a word",
      `entityDeletionThreshold: high\n${valid}`,
      "entityDeletionThreshold",
      "must be a number between 0 and 1",
      1,
    ],
    [
      "a threshold above 1",
      `entityDeletionThreshold: 5\n${valid}`,
      "entityDeletionThreshold",
      "must be between 0 and 1",
      1,
    ],
    [
      "a yes/no setting as a string",
      `enableMergeEntity: "yes"\n${valid}`,
      "enableMergeEntity",
      "must be true or false",
      1,
    ],
    [
      "properties as a list",
      withMappings(
        `          identifier: .id\n          blueprint: '"thing"'\n          properties: [.a, .b]\n`,
      ),
      "resources[0].port.entity.mappings.properties",
      "expected a record, got a list",
      10,
    ],
    [
      "a relation named with a space",
      withMappings(
        `          identifier: .id\n          blueprint: '"thing"'\n          relations:\n            "my rel": .p\n`,
      ),
      'resources[0].port.entity.mappings.relations["my rel"]',
      'property identifier "my rel" may only contain',
      11,
    ],
  ])("%s: names the field and the line", (_, text, path, message, line) => {
    const error = configError(text);
    expect(error.issues).toContainEqual(
      expect.objectContaining({ path, line, message: expect.stringContaining(message) }),
    );
    expect(error.message).toContain(`${FILE}: ${path}: `);
  });

  it("a misspelt field suggests the right one", () => {
    const error = configError(valid.replace("mappings:", "mapings:"));
    expect(error.issues).toContainEqual({
      path: "resources[0].port.entity.mapings",
      line: 7,
      message: "unknown key, ignored as Ocean does (did you mean mappings?)",
    });
  });
});

describe("jq that does not compile", () => {
  it.each([
    [
      "the identifier",
      withMappings(`          identifier: .id |||\n          blueprint: '"thing"'\n`),
      "resources[0].port.entity.mappings.identifier",
      /syntax error/,
      8,
    ],
    [
      "a property (unknown function)",
      withMappings(
        `          identifier: .id\n          blueprint: '"thing"'\n          properties:\n            size: .size | tonumbr\n`,
      ),
      "resources[0].port.entity.mappings.properties.size",
      /tonumbr\/0 is not defined/,
      11,
    ],
    [
      "the selector",
      valid.replace('query: "true"', 'query: ".x ==="'),
      "resources[0].selector.query",
      /syntax error/,
      4,
    ],
    [
      "an unclosed string",
      withMappings(`          identifier: '"abc'\n          blueprint: '"thing"'\n`),
      "resources[0].port.entity.mappings.identifier",
      /unexpected end of file/,
      8,
    ],
  ])("in %s: names the field, the kind and the line", async (_, text, path, message, line) => {
    const error = await compileError(text);
    expect(error.issues).toEqual([{ path, line, message: expect.stringMatching(message) }]);
    expect(error.issues[0]?.message).toMatch(/^jq \(kind thing\): /);
  });
});

describe("bad configs where they are used", () => {
  it("a kind the source does not have stops the resync before anything is written or deleted", async () => {
    const world = await startThingWorld({ configText: THING_CONFIG.replace("kind: thing", "kind: widget") });
    try {
      world.port.seed("thing", [{ identifier: "kept", title: "kept" }]);
      world.pages = [things(2)];
      const error = await world.resync().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ResyncRequestError);
      expect((error as Error).message).toBe(
        'resources[0].kind: "widget" is not a kind of the things source (thing)',
      );
      expect(world.ids()).toEqual(["kept"]);
    } finally {
      await world.close();
    }
  });

  it("a Lambda whose config file is broken fails to start, naming the file and the line", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tide-bad-config-"));
    const file = join(dir, "port-app-config.yml");
    await writeFile(
      file,
      valid
        .replace("identifier: .id", "identifier: .id |||")
        .replace("resources:", "resources:\n  - kind: [unclosed"),
    );
    const error = await buildRuntime({ TIDE_INTEGRATION_ID: "x", TIDE_CONFIG_FILE: file }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).fileName).toBe(file);
    expect((error as Error).message).toMatch(
      new RegExp(`^${file.replace(/[.\\/]/g, "\\$&")}: invalid YAML: .* \\(line \\d+\\)`),
    );
  });
});
