import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, it } from "vitest";
import { type CliRun, tide as run } from "../support/tide-cli.ts";

const tide = (args: string[], options: { cwd: string; stdin?: string }) => run(args, options);

const CONFIG = `resources:
  - kind: repository
    selector:
      query: .archived == false
    port:
      entity:
        mappings:
          identifier: .full_name
          title: .name
          blueprint: '"githubRepository"'
          properties:
            url: .html_url
            sizeMb: .size / 1024
          relations:
            organization: .owner.login
`;

const ITEMS = [
  {
    full_name: "acme/api",
    name: "api",
    archived: false,
    html_url: "https://github.com/acme/api",
    size: 2048,
    owner: { login: "acme" },
  },
  { full_name: "acme/old", name: "old", archived: true },
  { full_name: "acme/big", name: "big", archived: false, size: "huge" },
  { full_name: null, name: "nameless", archived: false, size: 0 },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "tide-cli-"));
  await writeFile(join(dir, "port-app-config.yml"), CONFIG);
  await writeFile(join(dir, "items.json"), JSON.stringify(ITEMS));
  await writeFile(join(dir, "good.json"), JSON.stringify(ITEMS.slice(0, 2)));
  await writeFile(
    join(dir, "lines.jsonl"),
    ITEMS.slice(0, 2)
      .map((i) => JSON.stringify(i))
      .join("\n"),
  );
  await writeFile(join(dir, "broken.json"), "[{");
  await writeFile(
    join(dir, "two-kinds.yml"),
    `${CONFIG}  - kind: team
    selector: {query: 'true'}
    port: {entity: {mappings: {identifier: .slug, blueprint: '"team"'}}}
`,
  );
  await writeFile(
    join(dir, "invalid.yml"),
    CONFIG.replace("          identifier: .full_name\n", "").replace(".size / 1024", ".size | floorr"),
  );
  await writeFile(join(dir, "bad-jq.yml"), CONFIG.replace(".size / 1024", ".size | floorr"));
});

describe.concurrent("tide map", () => {
  it("prints the entities and each item's problem, exiting 1 when an item failed", async ({ expect }) => {
    const run = await tide(["map", "--kind", "repository", "--input", "items.json"], { cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.code).toBe(1);
    const [summary, , ...rest] = run.stdout.split("\n");
    expect(summary).toBe("resources[0] repository: 4 items → 1 entity, 1 filtered, 1 skipped, 1 failed");
    const body = rest.join("\n");
    expect(body).toContain('"identifier": "acme/api"');
    expect(body).toContain('"sizeMb": 2');
    expect(body).toContain("item 3 (nameless) skipped: identifier is null");
    expect(body).toContain(
      'item 2 (acme/big) failed: properties.sizeMb: string ("huge") and number (1024) cannot be divided',
    );
  });

  it("prints JSON with --json, and exits 0 when no item failed", async ({ expect }) => {
    const run = await tide(["map", "--config", "port-app-config.yml", "--input", "good.json", "--json"], {
      cwd: dir,
    });
    expect(run.code).toBe(0);
    const output = JSON.parse(run.stdout) as { resources: Array<Record<string, unknown>> };
    expect(output.resources).toEqual([
      {
        resource: 0,
        kind: "repository",
        items: 2,
        entities: [
          {
            itemIndex: 0,
            entity: {
              identifier: "acme/api",
              title: "api",
              blueprint: "githubRepository",
              properties: { url: "https://github.com/acme/api", sizeMb: 2 },
              relations: { organization: "acme" },
            },
          },
        ],
        filtered: 1,
        skipped: [],
        failures: [],
      },
    ]);
  });

  it("reads items from stdin with --input -, and JSON lines", async ({ expect }) => {
    const stdin = await readFile(join(dir, "good.json"), "utf8");
    const piped = await tide(["map", "--input", "-", "--json"], { cwd: dir, stdin });
    expect(piped.code).toBe(0);
    expect(JSON.parse(piped.stdout).resources[0].entities).toHaveLength(1);
    const lines = await tide(["map", "-i", "lines.jsonl", "--json"], { cwd: dir });
    expect(JSON.parse(lines.stdout).resources[0].items).toBe(2);
  });

  it("refuses bad usage with one line on stderr and exit 2, never a stack trace", async ({ expect }) => {
    const cases: Array<[string[], string]> = [
      [
        ["map", "--input", "items.json", "--bogus"],
        "tide map: unknown option --bogus (see tide map --help)\n",
      ],
      [["map", "--kind", "repository"], "tide map: --input is required (see tide map --help)\n"],
      [["map", "--input"], "tide map: --input needs a value (see tide map --help)\n"],
      [
        ["map", "--kind", "pull-request", "--input", "items.json"],
        "tide map: the config has no resource of kind pull-request (kinds: repository) (see tide map --help)\n",
      ],
      [
        ["map", "--config", "two-kinds.yml", "--input", "items.json"],
        "tide map: --kind is required: the config has repository, team (see tide map --help)\n",
      ],
      [
        ["map", "--input", "missing.json"],
        "tide map: cannot read --input missing.json: no such file (see tide map --help)\n",
      ],
      [["--frob"], "tide: unknown option --frob (see tide --help)\n"],
    ];
    const runs = await Promise.all(cases.map(([args]) => tide(args, { cwd: dir })));
    for (const [i, [args, stderr]] of cases.entries()) {
      const run = runs[i] as CliRun;
      expect({ args, code: run.code, stderr: run.stderr, stdout: run.stdout }).toEqual({
        args,
        code: 2,
        stderr,
        stdout: "",
      });
    }
    const unknown = await tide(["frobnicate"], { cwd: dir });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(
      /^tide: unknown command frobnicate \(commands: [a-z, ]*\bmap\b[a-z, ]*\)\n$/,
    );
    const broken = await tide(["map", "--input", "broken.json"], { cwd: dir });
    expect(broken.code).toBe(2);
    expect(broken.stderr).toMatch(/^tide map: --input broken.json is not JSON: .+\n$/);
  });

  it("reports an invalid config like validate does, exit 2", async ({ expect }) => {
    const run = await tide(["map", "--config", "invalid.yml", "--input", "items.json"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("invalid.yml: resources[0].port.entity.mappings.identifier: required (line 7)\n");
  });
});

describe.concurrent("tide validate", () => {
  it("says the config is valid and lists its kinds", async ({ expect }) => {
    const run = await tide(["validate", "--config", "two-kinds.yml"], { cwd: dir });
    expect(run).toEqual({
      code: 0,
      stdout: "two-kinds.yml: valid for the github source, 2 resources (repository, team)\n",
      stderr: "",
    });
  });

  it("prints each schema problem on its own line with path and line, exit 2", async ({ expect }) => {
    const run = await tide(["validate", "-c", "invalid.yml"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe("invalid.yml: resources[0].port.entity.mappings.identifier: required (line 7)\n");
  });

  it("compiles every jq expression and names the one that does not compile", async ({ expect }) => {
    const run = await tide(["validate", "--config", "bad-jq.yml"], { cwd: dir });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "bad-jq.yml: resources[0].port.entity.mappings.properties.sizeMb: jq (kind repository): floorr/0 is not defined at column 9 (line 13)\n",
    );
  });

  it("names a config file that is not there", async ({ expect }) => {
    const run = await tide(["validate"], { cwd: join(dir, "..") });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe("port-app-config.yml: cannot read the file: no such file\n");
  });
});

describe.concurrent("tide help", () => {
  it("lists the commands with --help, and shows a command's usage with examples", async ({ expect }) => {
    const help = await tide(["--help"], { cwd: dir });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^\s+validate\s+Check a port-app-config\.yml/m);
    expect(help.stdout).toMatch(/^\s+map\s+Show the entities/m);
    const usage = await tide(["map", "--help"], { cwd: dir });
    expect(usage.code).toBe(0);
    expect(usage.stdout).toContain("Usage: tide map");
    expect(usage.stdout).toContain("Examples:");
    const bare = await tide([], { cwd: dir });
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain("Usage: tide <command>");
  });
});
