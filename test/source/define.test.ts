import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { defineSource, listKind } from "../../lib/index.ts";
import {
  CannotListAgainError,
  getKind,
  lookAgain,
  resolveSettings,
  SettingsError,
} from "../../lib/source/index.ts";
import { loadSource, SourceModuleError } from "../../lib/source/load.ts";
import { collect, itemsOf } from "./helpers.ts";

const numbers = defineSource({
  name: "numbers",
  settings: [{ name: "NUMBERS_MAX", type: "number", default: "7", description: "how many" }],
  kinds: {
    // bare arrays, three at a time
    async *plain({ settings }) {
      const max = Number(settings.NUMBERS_MAX);
      for (let n = 1; n <= max; n += 3)
        yield Array.from({ length: Math.min(3, max - n + 1) }, (_, i) => n + i);
    },
    // cursors: the next number to yield
    resumable: {
      async *pages({ settings, cursor }) {
        const max = Number(settings.NUMBERS_MAX);
        for (let n = (cursor as number | undefined) ?? 1; n <= max; n += 3) {
          const items = Array.from({ length: Math.min(3, max - n + 1) }, (_, i) => n + i);
          yield { items, cursor: n + 3 > max ? null : n + 3 };
        }
      },
    },
    parity: {
      async *partitions() {
        yield "odd";
        yield "even";
      },
      async *pages({ partition }) {
        yield [1, 2, 3, 4, 5, 6].filter((n) => (n % 2 === 1) === (partition === "odd"));
      },
    },
    once: {
      listAgain: false,
      async *pages() {
        yield [1];
      },
    },
    blocked: {
      async *partitions() {
        yield "open";
        yield "locked";
      },
      async *pages({ partition }) {
        if (partition === "locked")
          yield { items: [], cursor: null, unreadable: "access revoked (HTTP 403)" };
        else yield { items: [1], cursor: null };
      },
    },
    broken: async function* () {
      yield { things: [] } as never;
    },
  },
});

const create = (env: Record<string, string> = {}) => numbers.create(resolveSettings(numbers, env));

describe("defineSource", () => {
  it("a partition that cannot be read is passed on as unreadable, not as empty", async () => {
    const kind = getKind(create(), "blocked");
    expect(await collect(kind.pages({ partition: "locked" }))).toEqual([
      { items: [], cursor: null, unreadable: "access revoked (HTTP 403)" },
    ]);
    expect(await collect(kind.pages({ partition: "open" }))).toEqual([{ items: [1], cursor: null }]);
  });

  it("a kind yielding arrays: its pages, then a last one; after a continuation it starts again", async () => {
    const kind = getKind(create(), "plain");
    const pages = await collect(kind.pages());
    expect(itemsOf(pages)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // No cursor of the kind's own: markers that say "start again" (the fanout ends the kind when the generator does).
    expect(pages.map((p) => p.cursor)).toEqual([1, 2, 3].map((n) => ({ restart: true, pages: n })));
    const resumed = await collect(kind.pages({ cursor: pages[1]?.cursor ?? undefined }));
    expect(itemsOf(resumed)).toEqual([1, 2, 3, 4, 5, 6, 7]);
  });

  it("a kind yielding { items, cursor }: a continuation starts exactly after the page", async () => {
    const kind = getKind(create({ NUMBERS_MAX: "8" }), "resumable");
    const pages = await collect(kind.pages());
    expect(pages.map((p) => p.cursor)).toEqual([4, 7, null]);
    expect(itemsOf(await collect(kind.pages({ cursor: 4 })))).toEqual([4, 5, 6, 7, 8]);
  });

  it("a kind with changes: given `since`, resumable from its cursor; a kind without has none", async () => {
    const stamped = defineSource({
      name: "stamped",
      kinds: {
        event: {
          async *pages() {
            yield [1, 2, 3, 4];
          },
          // The items "updated" at or after `since` (here: numbers at least its day of month).
          async *changes({ since, cursor }) {
            const from = Math.max(new Date(since ?? 0).getUTCDate(), (cursor as number | undefined) ?? 0);
            for (let n = from; n <= 4; n += 2)
              yield { items: [n, n + 1].filter((i) => i <= 4), cursor: n + 2 > 4 ? null : n + 2 };
          },
        },
        plain: async function* () {
          yield [1];
        },
      },
    }).create({});
    const event = getKind(stamped, "event");
    const changes = event.changes?.bind(event);
    if (!changes) throw new Error("kind event lists no changes");
    expect(itemsOf(await collect(changes("2026-12-02T00:00:00Z")))).toEqual([2, 3, 4]);
    expect(itemsOf(await collect(changes("2026-12-01T00:00:00Z", { cursor: 3 })))).toEqual([3, 4]);
    expect(getKind(stamped, "plain").changes).toBeUndefined();
  });

  it("partitions, settings defaults and checks, and listAgain: false", async () => {
    const source = create();
    const parity = getKind(source, "parity");
    expect(await listKind(numbers, "parity", { env: {} })).toEqual(
      expect.arrayContaining([1, 2, 3, 4, 5, 6]),
    );
    expect(itemsOf(await collect(parity.pages({ partition: "even" })))).toEqual([2, 4, 6]);
    expect(() => resolveSettings(numbers, { NUMBERS_MAX: "many" })).toThrow(SettingsError);
    await expect(lookAgain(getKind(source, "once"), { partitions: "all" }, {}, () => {})).rejects.toThrow(
      CannotListAgainError,
    );
  });

  it("a page of the wrong shape, and a definition without kinds, say what is wrong", async () => {
    await expect(collect(getKind(create(), "broken").pages())).rejects.toThrow(
      "kind broken: page 1 is neither an array of items nor { items: [...], cursor }",
    );
    expect(() => defineSource({ name: "x", kinds: {} })).toThrow(
      "defineSource(x): `kinds` needs at least one kind",
    );
    expect(() => defineSource({ name: "", kinds: { a: async function* () {} } })).toThrow(/`name`/);
    expect(() => defineSource({ name: "x", kinds: { a: 42 as never } })).toThrow(
      /kind "a" must be an async generator/,
    );
  });

  it("default mapping from text or a file URL, and blueprints", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tide-define-"));
    await writeFile(join(dir, "m.yml"), "resources: []\n");
    const fromFile = defineSource({
      name: "f",
      kinds: { a: async function* () {} },
      mapping: new URL(`file://${dir}/m.yml`),
    });
    expect(await fromFile.defaults?.portAppConfig()).toBe("resources: []\n");
    const fromText = defineSource({
      name: "t",
      kinds: { a: async function* () {} },
      blueprints: [{ identifier: "b" }],
    });
    expect(fromText.defaults?.blueprints).toEqual([{ identifier: "b" }]);
    expect(defineSource({ name: "n", kinds: { a: async function* () {} } }).defaults).toBeUndefined();
  });
});

describe("loadSource", () => {
  it("loads a built-in, a file exporting defineSource's argument, and an installed package", async () => {
    expect((await loadSource("http", "/")).name).toBe("http");
    const dir = await mkdtemp(join(tmpdir(), "tide-load-"));
    await writeFile(
      join(dir, "plain.mjs"),
      "export default { name: 'plain', kinds: { async *a() { yield [1, 2]; } } };\n",
    );
    const plain = await loadSource("./plain.mjs", dir);
    expect(await listKind(plain, "a", { env: {} })).toEqual([1, 2]);

    const pkg = join(dir, "node_modules", "@acme", "tide-source-things");
    await mkdir(pkg, { recursive: true });
    await writeFile(
      join(pkg, "package.json"),
      JSON.stringify({ name: "@acme/tide-source-things", type: "module", exports: { ".": "./index.js" } }),
    );
    await writeFile(
      join(pkg, "index.js"),
      "export const source = { name: 'things', kinds: { async *thing() { yield ['t']; } } };\n",
    );
    expect((await loadSource("@acme/tide-source-things", dir)).name).toBe("things");
  });

  it("names the module and the problem", async () => {
    const dir = await mkdtemp(join(tmpdir(), "tide-load-"));
    await writeFile(join(dir, "empty.mjs"), "export const x = 1;\n");
    await writeFile(join(dir, "wrong.mjs"), "export default { name: 'w' };\n");
    await writeFile(join(dir, "throws.mjs"), "throw new Error('boom at load');\n");
    await expect(loadSource("./empty.mjs", dir)).rejects.toThrow(
      "source module ./empty.mjs: has no default export",
    );
    await expect(loadSource("./wrong.mjs", dir)).rejects.toThrow(/not a source: build it with defineSource/);
    await expect(loadSource("./throws.mjs", dir)).rejects.toThrow(/could not be imported: boom at load/);
    await expect(loadSource("./missing.mjs", dir)).rejects.toThrow(
      "source module ./missing.mjs: no such file",
    );
    await expect(loadSource("not-installed-anywhere", dir)).rejects.toThrow(SourceModuleError);
  });
});
