import { mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, it } from "vitest";
import { compileConfig, configWarnings, loadConfigFile } from "../../lib/mapping/index.ts";
import { tide } from "../support/tide-cli.ts";

const ROOT = new URL("../..", import.meta.url).pathname;
const OCEAN = join(ROOT, "test/fixtures/ocean");

const OCEAN_STYLE = `deleteDependentEntities: true
repositoryType: 'all'
resources:
  - kind: repository
    description: kept from an old config
    selector:
      query: .visibility == 'public'
    port:
      entity:
        mappings:
          identifier: .name
          title: .name
          blueprint: '"githubRepository"'
          properties:
            description: .description // ''
            readme: file://README.md
          relatons:
            organization: .owner.login
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tide-validate-"));
  await writeFile(join(dir, "ocean-style.yml"), OCEAN_STYLE);
  await writeFile(
    join(dir, "kinds.yml"),
    `resources:
  - kind: repository
    selector: {query: 'true'}
    port: {entity: {mappings: {identifier: .name, blueprint: '"r"'}}}
  - kind: organisation
    selector: {query: 'true'}
    port: {entity: {mappings: {identifier: .login, blueprint: '"o"'}}}
`,
  );
  await writeFile(
    join(dir, "search.yml"),
    OCEAN_STYLE.replace(
      "readme: file://README.md",
      "hasDocker: search://scope=blobs&&query=filename:Dockerfile",
    ),
  );
});

describe.concurrent("tide validate", () => {
  it("accepts an Ocean-style config, warning about each key it ignores with its line", async ({ expect }) => {
    const run = await tide(["validate", "--config", "ocean-style.yml"], { cwd: dir });
    expect(run).toEqual({
      code: 0,
      stdout: "ocean-style.yml: valid for the github source, 1 resource (repository)\n",
      stderr:
        "warning: ocean-style.yml: resources[0].description: unknown key, ignored as Ocean does (known: kind, selector, port) (line 5)\n" +
        "warning: ocean-style.yml: resources[0].port.entity.mappings.relatons: unknown key, ignored as Ocean does (did you mean relations?) (line 17)\n",
    });
  });

  it("refuses a kind the source does not have, naming it, the resource and the line, and listing the kinds", async ({
    expect,
  }) => {
    const run = await tide(["validate", "--config", "kinds.yml", "--source", "github"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      'kinds.yml: resources[1].kind: "organisation" is not a kind of the github source (its kinds: organization, repository, pull-request, issue, user, team, collaborator, workflow, workflow-run, release, tag, branch, environment, deployment, deployment-status, dependabot-alert, code-scanning-alerts, secret-scanning-alerts, file, folder) (line 5)\n',
    );
  });

  it("takes the source from TIDE_SOURCE, and refuses one it does not know", async ({ expect }) => {
    const run = await tide(["validate", "--config", "kinds.yml"], {
      cwd: dir,
      env: { TIDE_SOURCE: "gitlab" },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "tide validate: unknown source gitlab (sources: github) (see tide validate --help)\n",
    );
  });

  it("refuses a value prefix other than file://, naming it, the field and the line", async ({ expect }) => {
    const run = await tide(["validate", "--config", "search.yml"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      'search.yml: resources[0].port.entity.mappings.properties.hasDocker: value prefix search:// is not supported (Tide supports file:// only; see "Differences from Ocean") (line 16)\n',
    );
    expect(run.stderr).not.toContain("syntax error");
  });
});

/** The kinds the README's "Differences from Ocean" section says Tide does not have yet. */
async function documentedMissingKinds(): Promise<string> {
  const readme = await readFile(join(ROOT, "README.md"), "utf8");
  const start = readme.indexOf("## Differences from Ocean");
  if (start === -1) throw new Error("README.md has no Differences from Ocean section");
  const end = readme.indexOf("\n## ", start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe("Ocean's shipped configs", () => {
  it("GitHub's default passes tide validate, or fails only on kinds the README lists as not supported", async ({
    expect,
  }) => {
    const run = await tide(["validate", "--config", join(OCEAN, "github/port-app-config.yml")], { cwd: dir });
    if (run.code === 0) return;
    expect(run.code).toBe(2);
    const differences = await documentedMissingKinds();
    const lines = run.stderr.trim().split("\n");
    for (const line of lines) {
      const kind = /resources\[\d+\]\.kind: "([^"]+)" is not a kind of the github source/.exec(line)?.[1];
      expect(kind, `a problem other than a missing kind: ${line}`).toBeDefined();
      expect(differences, `kind ${kind} is not named in "Differences from Ocean"`).toContain(`\`${kind}\``);
    }
  });

  it("every generic-HTTP config passes the schema and compiles, with nothing ignored (its http source is not on this branch)", async ({
    expect,
  }) => {
    const files = [
      join(OCEAN, "custom/port-app-config.yml"),
      ...(await readdir(join(OCEAN, "custom/examples"))).map((f) => join(OCEAN, "custom/examples", f)),
    ];
    expect(files.length).toBe(7);
    for (const file of files) {
      const config = await loadConfigFile(file);
      expect(configWarnings(config), file).toEqual([]);
      await expect(compileConfig(config), file).resolves.toHaveLength(config.resources.length);
    }
  });
});
