import { afterEach, describe, expect, it } from "vitest";
import { readFileContent } from "../../lib/source/github/file-content.ts";
import { GitHubClient } from "../../lib/source/github/index.ts";
import { SelectorError } from "../../lib/source/index.ts";
import type { Kind } from "../../lib/source/types.ts";
import { collect, expectExactResume, type GitHubFake, githubFixture, itemsOf } from "./helpers.ts";

type Item = Record<string, unknown>;

let fake: GitHubFake | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function setup(...args: Parameters<typeof githubFixture>) {
  const fixture = await githubFixture(...args);
  fake = fixture.fake;
  return fixture;
}

async function everything(kind: Kind, selector: Record<string, unknown>): Promise<Item[]> {
  const items: Item[] = [];
  for await (const partition of kind.partitions?.({ selector }) ?? []) {
    items.push(...(itemsOf(await collect(kind.pages({ partition, selector }))) as Item[]));
  }
  return items;
}

const SERVICES = `- name: api
  owner: team-a
  docs: file://docs/api.md
- name: web
  owner: team-b
`;

describe("file", () => {
  it("matches globs in every repository, parses YAML and JSON, and keeps other files as text", async () => {
    const { fake, source } = await setup({ repos: 3, seed: 21 });
    const [a, b, c] = fake.org.repoNames() as [string, string, string];
    fake.contents.put(a, "port.yml", "name: root\n");
    fake.contents.put(a, "services/api/port.yml", "name: api\ntier: 1\n");
    fake.contents.put(a, ".github/port.yml", "name: hidden\n");
    fake.contents.put(a, "services/api/port.yaml.bak", "not me");
    fake.contents.put(b, "apps/x/package.json", '{"name":"x","dependencies":{"lodash":"^4.17.21"}}');
    fake.contents.put(b, "notes/port.yml", "name: [unclosed\n");
    const items = await everything(source.kinds.file, {
      files: [{ path: "**/port.yml" }, { path: "**/package.json" }],
    });
    const shown = items.map((i) => [(i.repository as Item).name, i.path, i.content]);
    expect(shown).toEqual([
      [a, ".github/port.yml", { name: "hidden" }],
      [a, "port.yml", { name: "root" }],
      [a, "services/api/port.yml", { name: "api", tier: 1 }],
      [b, "notes/port.yml", "name: [unclosed\n"],
      [b, "apps/x/package.json", { name: "x", dependencies: { lodash: "^4.17.21" } }],
    ]);
    expect(items.map((i) => (i.repository as Item).name)).not.toContain(c); // empty repository: 409
    const api = items[2] as Item;
    expect(api).toEqual({
      organization: fake.org.login,
      content: { name: "api", tier: 1 },
      repository: expect.objectContaining({
        name: a,
        full_name: `${fake.org.login}/${a}`,
        default_branch: "main",
      }),
      branch: "main",
      path: "services/api/port.yml",
      name: "port.yml",
      metadata: {
        url: `${fake.url}/repos/${fake.org.login}/${a}/contents/services/api/port.yml?ref=main`,
        path: "services/api/port.yml",
        size: 18,
        sha: expect.stringMatching(/^[0-9a-f]{40}$/),
      },
    });
  });

  it("names the file and line of content that does not parse, and keeps it as text (as Ocean does)", async () => {
    const warnings: string[] = [];
    const { fake, source } = await setup({ repos: 1, seed: 22 }, { warn: (m) => warnings.push(m) });
    const repo = fake.org.repoNames()[0] as string;
    fake.contents.put(repo, "bad.yaml", "a: 1\nb: [unclosed\n");
    const [item] = await everything(source.kinds.file, { files: [{ path: "*.yaml" }] });
    expect(item?.content).toBe("a: 1\nb: [unclosed\n");
    expect(warnings).toEqual([
      expect.stringMatching(
        new RegExp(
          `kind file: ${fake.org.login}/${repo}:bad.yaml@main: not valid YAML, kept as text: .*at line 3`,
        ),
      ),
    ]);
  });

  it("resolves file:// values relative to the file, reads the named repositories' branches, honours skipParsing", async () => {
    const { fake, source } = await setup({ repos: 3, seed: 23 });
    const [mono, other] = fake.org.repoNames() as [string, string];
    fake.contents.put(mono, "catalog/services.yml", SERVICES, "release");
    fake.contents.put(mono, "catalog/docs/api.md", "# API\n", "release");
    fake.contents.put(mono, "catalog/services.yml", "services: []\n"); // main: not asked for
    fake.contents.put(other, "catalog/services.yml", "services: []\n"); // not named
    const selector = { files: [{ path: "catalog/*.yml", repos: [{ name: mono, branch: "release" }] }] };
    const partitions = await collectAll(source.kinds.file.partitions?.({ selector }));
    expect(partitions).toEqual([mono]);
    const [item] = await everything(source.kinds.file, selector);
    expect(item?.branch).toBe("release");
    expect(item?.content).toEqual([
      { name: "api", owner: "team-a", docs: "# API\n" },
      { name: "web", owner: "team-b" },
    ]);
    const [raw] = await everything(source.kinds.file, {
      files: [{ ...selector.files[0], skipParsing: true }],
    });
    expect(raw?.content).toBe(SERVICES);
  });

  it("pages 20 files at a time and resumes from any page's cursor exactly", async () => {
    const { fake, source } = await setup({ repos: 1, seed: 24 });
    const repo = fake.org.repoNames()[0] as string;
    for (let i = 0; i < 45; i++)
      fake.contents.put(repo, `svc/s${String(i).padStart(2, "0")}/port.json`, `{"i":${i}}`);
    const selector = { files: [{ path: "svc/**/port.json" }] };
    const { pages, resumes } = await expectExactResume(
      (cursor) => source.kinds.file.pages({ partition: repo, selector, cursor }),
      (item) => (item as Item).path,
    );
    expect(pages.map((p) => p.items.length)).toEqual([20, 20, 5]);
    expect(resumes).toBe(2);
    expect(itemsOf(pages).map((i) => ((i as Item).content as Item).i)).toEqual([...Array(45).keys()]);
  });

  it("refuses a selector without files, and another organization's", async () => {
    const { source } = await setup({ repos: 1 });
    await expect(everything(source.kinds.file, {})).rejects.toThrow(SelectorError);
    await expect(
      everything(source.kinds.file, { files: [{ path: "*", organization: "elsewhere" }] }),
    ).rejects.toThrow(/selector.files\[0\].organization is "elsewhere"/);
  });
});

describe("folder", () => {
  it("lists the folders matching each path, with __repository, __organization and __branch", async () => {
    const { fake, source } = await setup({ repos: 3, seed: 25 });
    const [mono, other] = fake.org.repoNames() as [string, string];
    fake.contents.put(mono, "apps/api/main.go", "package main\n");
    fake.contents.put(mono, "apps/web/index.ts", "export {}\n");
    fake.contents.put(mono, "apps/web/src/a.ts", "export {}\n");
    fake.contents.put(mono, "libs/x/x.ts", "export {}\n");
    fake.contents.put(other, "apps/one/readme.md", "hi\n", "dev");
    const selector = {
      folders: [
        { path: "apps/*", repos: [{ name: mono }, { name: other, branch: "dev" }] },
        { path: "*", repos: [{ name: mono }] },
      ],
    };
    const items = await everything(source.kinds.folder, selector);
    expect(items.map((i) => [(i.__repository as Item).name, i.__branch, (i.folder as Item).path])).toEqual([
      [mono, "main", "apps/api"],
      [mono, "main", "apps/web"],
      [mono, "main", "apps"],
      [mono, "main", "libs"],
      [other, "dev", "apps/one"],
    ]);
    expect(items[0]).toEqual({
      folder: {
        path: "apps/api",
        mode: "040000",
        type: "tree",
        sha: expect.any(String),
        url: expect.any(String),
      },
      __repository: expect.objectContaining({ name: mono, default_branch: "main" }),
      __organization: fake.org.login,
      __branch: "main",
    });
    // Resuming after the first pattern gives only the second's folders.
    const rest = itemsOf(await collect(source.kinds.folder.pages({ partition: mono, selector, cursor: 1 })));
    expect(rest.map((i) => ((i as Item).folder as Item).path)).toEqual(["apps", "libs"]);
  });
});

describe("readFileContent", () => {
  it("decodes a file, reads one over 1 MB from its blob, and gives null for no such file or a directory", async () => {
    const { fake } = await setup({ repos: 1 });
    const repo = fake.org.repoNames()[0] as string;
    const client = new GitHubClient({ apiUrl: fake.url, token: fake.token });
    const big = `${"é".repeat(600_000)}\n`;
    fake.contents.put(repo, "docs/README.md", "# Hello ✓\n");
    fake.contents.put(repo, "docs/big.txt", big);
    const at = { owner: fake.org.login, repo };
    expect(await readFileContent(client, { ...at, path: "docs/README.md" })).toBe("# Hello ✓\n");
    expect(await readFileContent(client, { ...at, path: "docs/big.txt", ref: "main" })).toBe(big);
    const blobReads = Object.keys(fake.stats.byRoute).filter((route) => route.includes("/git/blobs/"));
    expect(blobReads).toHaveLength(1);
    expect(await readFileContent(client, { ...at, path: "docs/missing.md" })).toBeNull();
    expect(await readFileContent(client, { ...at, path: "docs" })).toBeNull();
  });
});

async function collectAll<T>(source: AsyncIterable<T> | undefined): Promise<T[]> {
  const all: T[] = [];
  for await (const item of source ?? []) all.push(item);
  return all;
}
