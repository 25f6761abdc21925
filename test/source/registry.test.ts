import { first } from "jq-wasm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { githubKindBlueprints, githubMoreKindsConfig } from "../../lib/source/github/defaults.ts";
import {
  builtInSources,
  getKind,
  getSourceDefinition,
  kindNames,
  UnknownNameError,
} from "../../lib/source/index.ts";
import { collect, type GitHubFake, githubFixture, itemsOf } from "./helpers.ts";

describe("registry", () => {
  it("knows the github and http sources", () => {
    expect(Object.keys(builtInSources)).toEqual(["github", "http"]);
    expect(getSourceDefinition("github").settings.map((s) => s.name)).toContain("GITHUB_TOKEN");
  });

  it("names the known sources and kinds when asked for an unknown one", () => {
    expect(() => getSourceDefinition("gitlab")).toThrow(UnknownNameError);
    expect(() => getSourceDefinition("gitlab")).toThrow('unknown source "gitlab"; known: github, http');
    expect(() => getSourceDefinition("toString")).toThrow(UnknownNameError);
    const source = getSourceDefinition("github").create({ GITHUB_ORG: "acme", GITHUB_TOKEN: "t" });
    expect(kindNames(source)).toEqual([
      "organization",
      "repository",
      "pull-request",
      "issue",
      "user",
      "team",
      "collaborator",
      "workflow",
      "workflow-run",
      "release",
      "tag",
      "branch",
      "environment",
      "deployment",
      "deployment-status",
      "dependabot-alert",
      "code-scanning-alerts",
      "secret-scanning-alerts",
      "file",
      "folder",
    ]);
    expect(() => getKind(source, "pull_request")).toThrow(
      /unknown kind .*"pull_request"; known: organization, repository, pull-request/,
    );
  });
});

interface Blueprint {
  identifier: string;
  schema: { properties: Record<string, { type: string; format?: string; enum?: string[] }> };
  relations: Record<string, { target: string }>;
}
interface Resource {
  kind: string;
  selector: Record<string, unknown>;
  port: {
    entity: {
      mappings: {
        identifier: string;
        title: string;
        blueprint: string;
        properties: Record<string, string>;
        relations?: Record<string, string>;
      };
    };
  };
}

describe("the GitHub defaults", () => {
  const defaults = getSourceDefinition("github").defaults;
  const blueprints = (defaults?.blueprints ?? []) as unknown as Blueprint[];
  let config: { resources: Resource[] };
  let fake: GitHubFake;
  let source: Awaited<ReturnType<typeof githubFixture>>["source"];

  beforeAll(async () => {
    config = parse((await defaults?.portAppConfig()) ?? "");
    ({ fake, source } = await githubFixture({
      repos: 6,
      pullsPerRepo: 8,
      issuesPerRepo: 8,
      teams: 8,
      seed: 41,
    }));
  });
  afterAll(() => fake.close());

  it("has the default mapping's four blueprints and Ocean's alert blueprints, each relation's target first", () => {
    expect(blueprints.map((b) => b.identifier)).toEqual([
      "githubRepository",
      "githubTeam",
      "githubPullRequest",
      "githubIssue",
      "githubDependabotAlert",
      "githubCodeScanAlerts",
      "githubSecretScanAlert",
    ]);
    blueprints.forEach((blueprint, index) => {
      for (const relation of Object.values(blueprint.relations)) {
        const target = blueprints.findIndex((b) => b.identifier === relation.target);
        expect(target).toBeGreaterThanOrEqual(0);
        expect(target).toBeLessThanOrEqual(index);
      }
    });
  });

  it("maps each kind of the source but the opt-in ones to a blueprint, with known properties and relations", async () => {
    // The default config, and Ocean's documented mapping of the other kinds. The alert kinds
    // need security permissions, and file/folder name the files to read: a user adds them.
    const more: { resources: Resource[] } = parse(await githubMoreKindsConfig());
    const resources = [...config.resources, ...more.resources];
    const all = [...blueprints, ...(githubKindBlueprints as unknown as Blueprint[])];
    const mapped = new Set(resources.map((r) => r.kind));
    expect(kindNames(source).filter((k) => !mapped.has(k))).toEqual([
      "dependabot-alert",
      "code-scanning-alerts",
      "secret-scanning-alerts",
      "file",
      "folder",
    ]);
    for (const resource of resources) {
      const { mappings } = resource.port.entity;
      const blueprint = all.find((b) => `"${b.identifier}"` === mappings.blueprint);
      expect(blueprint, resource.kind).toBeDefined();
      expect(Object.keys(blueprint?.schema.properties ?? {}).sort()).toEqual(
        Object.keys(mappings.properties).sort(),
      );
      expect(Object.keys(blueprint?.relations ?? {}).sort()).toEqual(
        Object.keys(mappings.relations ?? {}).sort(),
      );
    }
  });

  it("turns the fake's GitHub items into entities that fit the blueprints", async () => {
    const identifiers = new Map<string, Set<string>>();
    const entities: Array<{
      blueprint: Blueprint;
      properties: Record<string, unknown>;
      relations: Record<string, unknown>;
    }> = [];
    for (const resource of config.resources) {
      const kind = getKind(source, resource.kind);
      const { query: _query, ...selector } = resource.selector;
      const partitions: Array<string | undefined> = [];
      if (kind.partitions) for await (const p of kind.partitions()) partitions.push(p);
      else partitions.push(undefined);
      const { mappings } = resource.port.entity;
      const blueprintId = (await first({}, mappings.blueprint)) as string;
      const blueprint = blueprints.find((b) => b.identifier === blueprintId) as Blueprint;
      for (const partition of partitions) {
        const pages = await collect(kind.pages({ partition, selector: { ...selector, state: "all" } }));
        for (const item of itemsOf(pages) as object[]) {
          const identifier = await first(item, mappings.identifier);
          expect(identifier).toMatch(/^[\p{L}0-9@_.+:\\/=-]+$/u);
          const set = identifiers.get(blueprintId) ?? new Set();
          expect(set.has(identifier as string), `${blueprintId} ${identifier} twice`).toBe(false);
          identifiers.set(blueprintId, set.add(identifier as string));
          const properties: Record<string, unknown> = {};
          for (const [name, jq] of Object.entries(mappings.properties))
            properties[name] = await first(item, jq);
          const relations: Record<string, unknown> = {};
          for (const [name, jq] of Object.entries(mappings.relations ?? {}))
            relations[name] = await first(item, jq);
          entities.push({ blueprint, properties, relations });
        }
      }
    }
    expect(entities.length).toBeGreaterThan(6 + 8);
    const typeOf = (value: unknown) =>
      Array.isArray(value) ? "array" : typeof value === "string" ? "string" : typeof value;
    for (const { blueprint, properties, relations } of entities) {
      for (const [name, value] of Object.entries(properties)) {
        if (value === null) continue;
        const spec = blueprint.schema.properties[name];
        expect(typeOf(value), `${blueprint.identifier}.${name}`).toBe(spec?.type);
        if (spec?.enum) expect(spec.enum, `${blueprint.identifier}.${name}`).toContain(value);
      }
      for (const [name, target] of Object.entries(relations)) {
        if (target === null) continue;
        const targetBlueprint = blueprint.relations[name]?.target ?? "";
        expect(
          identifiers.get(targetBlueprint)?.has(target as string),
          `${blueprint.identifier}.${name} → ${target}`,
        ).toBe(true);
      }
    }
  });
});
