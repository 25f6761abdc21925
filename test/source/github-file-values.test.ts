import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { tide } from "../support/tide-cli.ts";
import { cliEnv, startWorld, type World } from "../support/world.ts";

/** A blueprint with the two file properties the mapping below fills. */
const SERVICE = {
  identifier: "service",
  title: "Service",
  schema: {
    properties: {
      readme: { type: "string", format: "markdown", title: "README" },
      codeowners: { type: "string", title: "CODEOWNERS" },
      description: { type: "string", title: "Description" },
    },
    required: [],
  },
  relations: {},
};

// Ocean's GitHub config style: a `file://` value, and the `includedFiles` selector beside it.
const CONFIG = `resources:
  - kind: repository
    owner: platform team
    selector:
      query: 'true'
      includedFiles: [CODEOWNERS]
    port:
      entity:
        mappings:
          identifier: .name
          title: .name
          blueprint: '"service"'
          properties:
            readme: file://README.md
            codeowners: .__includedFiles["CODEOWNERS"]
            description: .description // ''
`;

let world: World;
let cwd: string;
beforeEach(async () => {
  world = await startWorld({
    github: { repos: 4, pullsPerRepo: 0, issuesPerRepo: 0, teams: 0 },
    port: { blueprints: [SERVICE] },
  });
  cwd = await mkdtemp(join(tmpdir(), "tide-files-"));
  await writeFile(join(cwd, "port-app-config.yml"), CONFIG);
});
afterEach(async () => world.close());

const env = () => ({
  ...cliEnv(world),
});

describe("file:// values with the GitHub source (tide resync --local)", () => {
  it("writes each repository's file content, null where the file is missing, and the run completes", async () => {
    const [withBoth, withReadme, withNothing, inFolder] = world.github.org.repoNames() as [
      string,
      string,
      string,
      string,
    ];
    world.github.contents.put(withBoth, "README.md", "# api\n\nThe API. Ünïcode survives.\n");
    world.github.contents.put(withBoth, "CODEOWNERS", "* @acme/platform\n");
    world.github.contents.put(withReadme, "README.md", "# web\n");
    world.github.contents.put(inFolder, "README.md/notes.txt", "a folder named README.md");

    const run = await tide(["resync", "--local"], { cwd, env: env() });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/: completed in/);
    expect(run.stderr).toContain(
      "warning: port-app-config.yml: resources[0].owner: unknown key, ignored as Ocean does (known: kind, selector, port) (line 3)\n",
    );
    const properties = Object.fromEntries(
      world.port.entities("service").map((e) => [e.identifier, e.properties]),
    );
    expect(properties).toEqual({
      [withBoth]: {
        readme: "# api\n\nThe API. Ünïcode survives.\n",
        codeowners: "* @acme/platform\n",
        description: expect.any(String),
      },
      [withReadme]: { readme: "# web\n", codeowners: null, description: expect.any(String) },
      [withNothing]: { readme: null, codeowners: null, description: expect.any(String) },
      [inFolder]: { readme: null, codeowners: null, description: expect.any(String) },
    });
    // Two files per repository, each read once, on the default branch.
    expect(world.github.stats.byRoute["GET /repos/{owner}/{repo}/contents/{path}"]).toBe(8);
  });

  it("a file GitHub cannot serve (5xx after retries) fails the listing, naming the file: nothing is deleted", async () => {
    const first = await tide(["resync", "--local"], { cwd, env: env() });
    expect(first.code).toBe(0);
    const before = world.port
      .entities("service")
      .map((e) => e.identifier)
      .sort();
    world.github.org.removeRepos(1);
    world.github.inject({ status: 500, times: 20, match: /\/contents\/README\.md$/ });

    const second = await tide(["resync", "--local"], { cwd, env: env() });
    expect(second.code).toBe(1);
    expect(second.stdout).toMatch(/: failed in .*\n[\s\S]*deleted nothing/);
    expect(second.stdout + second.stderr).toMatch(/contents\/README\.md answered 500/);
    expect(
      world.port
        .entities("service")
        .map((e) => e.identifier)
        .sort(),
    ).toEqual(before);
  });

  it("another value prefix stops the run before anything is written, naming it", async () => {
    await writeFile(
      join(cwd, "port-app-config.yml"),
      CONFIG.replace("file://README.md", "search://scope=blobs&&query=filename:README.md"),
    );
    const run = await tide(["resync", "--local"], { cwd, env: env() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      "port-app-config.yml: resources[0].port.entity.mappings.properties.readme: value prefix search:// is not supported",
    );
    expect(world.port.entities("service")).toEqual([]);
  });
});
