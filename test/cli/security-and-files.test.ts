import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { githubDefaults } from "../../lib/source/github/defaults.ts";
import { tide } from "../support/tide-cli.ts";
import { cliEnv, startWorld, type World } from "../support/world.ts";

/**
 * The security alert and catalog-as-code kinds end to end: `tide resync --local` with
 * Ocean's documented mappings for them, against the GitHub fake and the Port fake.
 */

const SERVICE = {
  identifier: "service",
  title: "Service",
  schema: { properties: { owner: { type: "string" }, docs: { type: "string" } } },
  relations: { repository: { target: "githubRepository", required: false, many: false } },
};
const APP = {
  identifier: "monorepoApp",
  title: "App",
  schema: { properties: { url: { type: "string", format: "url" } } },
  relations: {},
};

/** Ocean's documented mappings for these kinds (port-docs, github-ocean examples). */
const CONFIG = `deleteDependentEntities: true
createMissingRelatedEntities: true
resources:
  - kind: dependabot-alert
    selector:
      query: "true"
      states: [open, fixed]
    port:
      entity:
        mappings:
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
            repository: .__repository
  - kind: code-scanning-alerts
    selector:
      query: "true"
      state: open
    port:
      entity:
        mappings:
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
            repository: .__repository
  - kind: secret-scanning-alerts
    selector:
      query: "true"
      state: all
    port:
      entity:
        mappings:
          identifier: .__repository + "-" + (.number | tostring)
          title: .secret_type_display_name
          blueprint: '"githubSecretScanAlert"'
          properties:
            number: .number
            state: .state
            resolution: .resolution
            secret_type: .secret_type
            url: .html_url
          relations:
            repository: .__repository
  - kind: file
    selector:
      query: "true"
      files:
        - path: "**/services.yml"
    port:
      itemsToParse: .content
      entity:
        mappings:
          identifier: .item.name
          title: .item.name
          blueprint: '"service"'
          properties:
            owner: .item.owner
            docs: .item.docs
          relations:
            repository: .repository.name
  - kind: folder
    selector:
      query: "true"
      folders:
        - path: apps/*
          repos:
            - name: MONO
    port:
      entity:
        mappings:
          identifier: .folder.path | split("/") | last
          title: .folder.path | split("/") | last
          blueprint: '"monorepoApp"'
          properties:
            url: .__repository.html_url + "/tree/" + .__repository.default_branch + "/" + .folder.path
`;

let world: World;
let cwd: string;
let mono: string;
beforeEach(async () => {
  world = await startWorld({
    github: { repos: 4, pullsPerRepo: 0, issuesPerRepo: 0, teams: 0, seed: 31 },
    port: {
      blueprints: [...structuredClone(githubDefaults.blueprints), SERVICE, APP] as Array<
        Record<string, unknown>
      >,
    },
  });
  cwd = await mkdtemp(join(tmpdir(), "tide-kinds-b-"));
  mono = world.github.org.repoNames()[0] as string;
  await writeFile(join(cwd, "port-app-config.yml"), CONFIG.replace("MONO", mono));
});
afterEach(async () => world.close());

const env = () => ({
  ...cliEnv(world),
});

const resync = (kind: string) => tide(["resync", "--local", "--kinds", kind], { cwd, env: env() });
const identifiers = (blueprint: string) =>
  world.port
    .entities(blueprint)
    .map((e) => e.identifier)
    .sort();
const alertIds = (list: (repo: never) => Array<Record<string, unknown>>) =>
  world.github.org
    .listRepos()
    .flatMap((r) => list(r as never).map((a) => `${r.name}-${a.number}`))
    .sort();

describe("tide resync --local with the security and catalog-as-code kinds", () => {
  it("dependabot-alert: the open and fixed alerts of every repository, related to it", async () => {
    const run = await resync("dependabot-alert");
    expect(run.stderr).not.toMatch(/skipped|error/i);
    expect(run.code).toBe(0);
    const expected = alertIds((r) => world.github.security.dependabot(r, ["open", "fixed"]));
    expect(expected.length).toBeGreaterThan(0);
    expect(identifiers("githubDependabotAlert")).toEqual(expected);
    const [entity] = world.port.entities("githubDependabotAlert");
    expect(entity?.relations?.repository).toBe(String(entity?.identifier).replace(/-\d+$/, ""));
    expect(entity?.properties?.references).toEqual([
      expect.stringMatching(/^https:\/\/github.com\/advisories\//),
    ]);
  });

  it("code-scanning-alerts: the open alerts, a repository without code scanning skipped with a warning", async () => {
    const off = world.github.org.repoNames()[2] as string;
    world.github.security.disable(off, "code-scanning");
    const run = await resync("code-scanning-alerts");
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(
      new RegExp(`skipped repository ${world.github.org.login}/${off} for kind code-scanning-alerts`),
    );
    const expected = alertIds((r) =>
      (r as { name: string }).name === off ? [] : world.github.security.codeScanning(r, "open"),
    );
    expect(identifiers("githubCodeScanAlerts")).toEqual(expected);
  });

  it("secret-scanning-alerts: every alert, and no secret anywhere in Port", async () => {
    const run = await resync("secret-scanning-alerts");
    expect(run.code).toBe(0);
    expect(identifiers("githubSecretScanAlert")).toEqual(
      alertIds((r) => world.github.security.secretScanning(r)),
    );
    expect(JSON.stringify(world.port.entities("githubSecretScanAlert"))).not.toMatch(/ghp_FAKEsecret/);
  });

  it("file: a monorepo's services.yml files, each listed service an entity", async () => {
    const other = world.github.org.repoNames()[1] as string;
    world.github.contents.put(
      mono,
      "teams/a/services.yml",
      "- name: api\n  owner: team-a\n  docs: file://api.md\n",
    );
    world.github.contents.put(mono, "teams/a/api.md", "# API\n");
    world.github.contents.put(
      other,
      "services.yml",
      "- name: web\n  owner: team-b\n- name: worker\n  owner: team-b\n",
    );
    const run = await resync("file");
    expect(run.code).toBe(0);
    expect(identifiers("service")).toEqual(["api", "web", "worker"]);
    const api = world.port.entities("service").find((e) => e.identifier === "api");
    expect(api?.properties).toEqual(expect.objectContaining({ owner: "team-a", docs: "# API\n" }));
    expect(api?.relations?.repository).toBe(mono);
  });

  it("folder: the apps of a monorepo, one entity each", async () => {
    world.github.contents.put(mono, "apps/billing/main.go", "package main\n");
    world.github.contents.put(mono, "apps/search/main.go", "package main\n");
    world.github.contents.put(mono, "libs/util/util.go", "package util\n");
    const run = await resync("folder");
    expect(run.code).toBe(0);
    expect(identifiers("monorepoApp")).toEqual(["billing", "search"]);
    const billing = world.port.entities("monorepoApp").find((e) => e.identifier === "billing");
    expect(billing?.properties?.url).toBe(
      `https://github.com/${world.github.org.login}/${mono}/tree/main/apps/billing`,
    );
  });
});

describe("tide setup with a mapping of these kinds", () => {
  it("creates the default blueprints the mapping writes to and what they relate to, names the others", async () => {
    await world.close();
    world = await startWorld({ port: { blueprints: [] } });
    const run = await tide(["setup"], { cwd, env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout.trim().split("\n")).toEqual([
      "githubRepository: created",
      "githubDependabotAlert: created",
      "githubCodeScanAlerts: created",
      "githubSecretScanAlert: created",
      // The world's Port has this integration already, without a mapping: it gets this one.
      "integration github-test: updated, mapping from port-app-config.yml",
    ]);
    expect(run.stderr).toMatch(
      /the mapping writes to blueprint service, not a default github blueprint: create it in Port/,
    );
    expect(run.stderr).toMatch(/blueprint monorepoApp, not a default github blueprint/);
    expect([...world.port.state.store.blueprints.keys()].sort()).toEqual([
      "githubCodeScanAlerts",
      "githubDependabotAlert",
      "githubRepository",
      "githubSecretScanAlert",
    ]);
  });
});
