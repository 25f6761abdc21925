import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileResource, loadConfig } from "../../lib/mapping/index.ts";
import type { GitHubSource } from "../../lib/source/github/index.ts";
import { collect, type GitHubFake, githubFixture, itemsOf } from "./helpers.ts";

/**
 * Ocean compatibility of the security and catalog-as-code kinds: Ocean's recorded example
 * items (`.port/examples/<kind>/`) map without failures with Ocean's documented mappings, and
 * the items Tide's source gives have the same enrichment fields, of the same types.
 */

/** Ocean's reference files, vendored beside the GitHub fake (see its README). */
const OCEAN = fileURLToPath(new URL("../fakes/github/ocean/", import.meta.url));

async function examples(kind: string): Promise<Array<Record<string, unknown>>> {
  const dir = join(OCEAN, "examples", kind);
  const files = (await readdir(dir)).filter((f) => f.endsWith(".json")).sort();
  return Promise.all(files.map(async (f) => JSON.parse(await readFile(join(dir, f), "utf8"))));
}

/** Ocean's documented mappings for these kinds (port-docs, github-ocean examples). */
const MAPPINGS: Record<string, string> = {
  "dependabot-alert": `
          identifier: .__repository + "-" + (.number | tostring)
          title: .number | tostring
          blueprint: '"githubDependabotAlert"'
          properties:
            state: .state
            severity: .security_advisory.severity
            packageName: .dependency.package.name
            packageEcosystem: .dependency.package.ecosystem
            manifestPath: .dependency.manifest_path
            scope: .dependency.scope
            ghsaID: .security_advisory.ghsa_id
            cveID: .security_advisory.cve_id
            url: .html_url
            references: "[.security_advisory.references[].url]"
            alertCreatedAt: .created_at
            alertUpdatedAt: .updated_at
          relations:
            repository: .__repository`,
  "code-scanning-alerts": `
          identifier: .__repository + "-" + (.number | tostring)
          title: .rule.name
          blueprint: '"githubCodeScanAlerts"'
          properties:
            state: .state
            severity: .rule.severity
            tags: .rule.tags
            description: .rule.description
            url: .html_url
          relations:
            repository: .__repository`,
  file: `
          identifier: .name
          title: .name
          blueprint: '"files"'
          properties:
            name: .name
            path: .path
          relations:
            repository: .repository.name`,
  folder: `
          identifier: .folder.path | split("/") | last
          title: .folder.path | split("/") | last
          blueprint: '"githubRepository"'
          properties:
            url: .__repository.html_url + "/tree/" + .__repository.default_branch  + "/" + .folder.path`,
};

describe("Ocean's example items with Ocean's mappings", () => {
  for (const [kind, mappings] of Object.entries(MAPPINGS)) {
    it(`${kind}: every example maps to an entity, none fails`, async () => {
      // The recorded examples have some repository names redacted to "perf-[REDACTED]-…": not
      // a name GitHub allows (nor Port in an identifier), so they are put back into one.
      const items = JSON.parse(JSON.stringify(await examples(kind)).replaceAll("[REDACTED]", "redacted"));
      expect(items.length).toBeGreaterThan(0);
      const config = loadConfig(
        `resources:\n  - kind: ${kind}\n    selector:\n      query: "true"\n    port:\n      entity:\n        mappings:${mappings}\n`,
      );
      const result = await (await compileResource(config, 0)).map(items);
      expect(result.failures).toEqual([]);
      expect(result.skipped).toEqual([]);
      expect(result.entities).toHaveLength(items.length);
      for (const { entity } of result.entities) expect(entity.identifier).toMatch(/\S/);
    });
  }
});

describe("Tide's items have Ocean's enrichment fields", () => {
  let fake: GitHubFake;
  let source: GitHubSource;
  beforeAll(async () => {
    ({ fake, source } = await githubFixture({ repos: 2, seed: 51 }));
    const repo = fake.org.repoNames()[0] as string;
    fake.contents.put(repo, "apps/api/port.yml", "name: api\n");
  });
  afterAll(() => fake.close());

  /** Each key Ocean's examples have at the top level, with the JSON type of its value. */
  const typesOf = (item: Record<string, unknown>, keys: string[]) =>
    Object.fromEntries(
      keys.map((k) => [k, item[k] === null ? "null" : Array.isArray(item[k]) ? "array" : typeof item[k]]),
    );

  const read = async (kind: keyof GitHubSource["kinds"], selector: Record<string, unknown>) => {
    const k = source.kinds[kind as "file"];
    const partition = fake.org.repoNames()[0] as string;
    return itemsOf(await collect(k.pages({ partition, selector }))) as Array<Record<string, unknown>>;
  };

  it.each([
    ["dependabot-alert", { states: ["open", "fixed", "dismissed", "auto_dismissed"] }],
    ["code-scanning-alerts", {}],
    ["file", { files: [{ path: "**/port.yml" }] }],
    ["folder", { folders: [{ path: "apps/*" }] }],
  ] as const)("%s", async (kind, selector) => {
    const [ocean] = await examples(kind);
    const [ours] = await read(kind, selector);
    expect(ours).toBeDefined();
    // `__base_jq` is Ocean's own bookkeeping; a file's `content` is whatever the file holds.
    const keys = Object.keys(ocean as object).filter(
      (k) =>
        k !== "__base_jq" && k !== "content" && (k.startsWith("__") || kind === "file" || kind === "folder"),
    );
    expect(typesOf(ours as Record<string, unknown>, keys)).toEqual(
      typesOf(ocean as Record<string, unknown>, keys),
    );
  });
});
