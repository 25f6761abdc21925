/**
 * The files of a new source module (`tide new source NAME`): a working source for a paged
 * REST API, its blueprint and mapping, and a test that runs it against a local server.
 * Templates as strings: there are four small files, not worth a template engine.
 */

/** `users-api` → `USERS_API` (settings prefix) and `usersApi` (blueprint prefix). */
export function names(name: string) {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return {
    env: words.map((w) => w.toUpperCase()).join("_"),
    camel: words
      .map((w, i) => (i === 0 ? w.toLowerCase() : w[0]?.toUpperCase() + w.slice(1).toLowerCase()))
      .join(""),
  };
}

export function scaffoldFiles(name: string): Record<string, string> {
  const { env, camel } = names(name);
  const blueprint = `${camel}Item`;
  const source = `// The ${name} source: lists the items of a paged REST API for Tide.
// Run it:  ${env}_API_URL=https://api.example.com tide resync --local --source ./${name}.mjs
// Test it: node --test
import { defineSource } from "tide";
import blueprints from "./blueprints.json" with { type: "json" };

export default defineSource({
  name: "${name}",
  // Read from the environment (and the stack's secret in AWS); checked before a run starts.
  settings: [
    { name: "${env}_API_URL", type: "url", required: true, description: "the API's base URL" },
    { name: "${env}_API_TOKEN", type: "string", sensitive: true, description: "a bearer token, if the API needs one" },
  ],
  blueprints,
  mapping: new URL("./port-app-config.yml", import.meta.url),
  kinds: {
    // One async generator per kind, like Ocean's @ocean.on_resync("item"): yield pages (arrays of raw items).
    async *item({ settings, signal }) {
      const headers = settings.${env}_API_TOKEN ? { authorization: \`Bearer \${settings.${env}_API_TOKEN}\` } : {};
      for (let page = 1; ; page++) {
        const res = await fetch(\`\${settings.${env}_API_URL}/items?page=\${page}&per_page=100\`, { headers, signal });
        if (!res.ok) throw new Error(\`GET /items?page=\${page} answered \${res.status}\`);
        const items = await res.json();
        yield items;
        if (items.length < 100) return;
      }
    },
  },
});
`;
  const test = `import assert from "node:assert/strict";
import { createServer } from "node:http";
import { after, before, test } from "node:test";
import { listKind } from "tide";
import source from "./${name}.mjs";

// A stand-in for the API: 150 items over two pages.
const ITEMS = Array.from({ length: 150 }, (_, i) => ({ id: \`item-\${i + 1}\`, name: \`Item \${i + 1}\` }));
let server;
let url;
before(async () => {
  server = createServer((req, res) => {
    const query = new URL(req.url, "http://x").searchParams;
    const page = Number(query.get("page"));
    const size = Number(query.get("per_page"));
    res.setHeader("content-type", "application/json");
    res.end(JSON.stringify(ITEMS.slice((page - 1) * size, page * size)));
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  url = \`http://127.0.0.1:\${server.address().port}\`;
});
after(() => server.close());

test("lists every item, page after page", async () => {
  const items = await listKind(source, "item", { env: { ${env}_API_URL: url } });
  assert.deepEqual(items, ITEMS);
});

test("says which setting is missing", async () => {
  await assert.rejects(listKind(source, "item", { env: {} }), /${env}_API_URL: required/);
});
`;
  const mapping = `# What Tide writes to Port for each item (Port Ocean's port-app-config.yml format).
resources:
  - kind: item
    selector:
      query: "true"
    port:
      entity:
        mappings:
          identifier: .id
          title: .name
          blueprint: '"${blueprint}"'
          properties:
            name: .name
`;
  const blueprints = `${JSON.stringify(
    [
      {
        identifier: blueprint,
        title: `${name} item`,
        icon: "Blueprint",
        schema: { properties: { name: { type: "string", title: "Name" } }, required: [] },
        relations: {},
      },
    ],
    null,
    2,
  )}\n`;
  const pkg = `${JSON.stringify(
    {
      name,
      private: true,
      type: "module",
      scripts: {
        test: "node --test",
        resync: `tide resync --local --source ./${name}.mjs`,
        setup: `tide setup --source ./${name}.mjs`,
      },
    },
    null,
    2,
  )}\n`;
  return {
    [`${name}.mjs`]: source,
    [`${name}.test.mjs`]: test,
    "port-app-config.yml": mapping,
    "blueprints.json": blueprints,
    "package.json": pkg,
  };
}
