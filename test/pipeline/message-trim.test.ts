import { afterEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { compileResource, loadConfig, type ResourceMapper } from "../../lib/mapping/index.ts";
import { keepAgrees, messageKeep } from "../../lib/mapping/message-keep.ts";
import { FAST_PATH_ENV } from "../../lib/mapping/optimiser/switch.ts";
import { BLUEPRINTS, resyncWorld, startWorld, type World } from "../support/world.ts";

/** A config of one repository resource (every repository) with these entity mappings. */
const repositories = (mappings: Record<string, unknown>, port: Record<string, unknown> = {}) =>
  stringify({
    resources: [{ kind: "repository", selector: { query: "true" }, port: { ...port, entity: { mappings } } }],
  });

/**
 * The fanout sends only what a resource's mapping reads of each raw item (and the fields that
 * name an item in a failure): a GitHub pull request is ~14 KB raw, a few hundred bytes to
 * Ocean's mapping. What Port gets must not change by a single value.
 */

const worlds: World[] = [];
afterEach(async () => {
  delete process.env[FAST_PATH_ENV];
  await Promise.all(worlds.splice(0).map((w) => w.close()));
});

const GITHUB = { repos: 12, pullsPerRepo: 4, issuesPerRepo: 3, teams: 2, seed: 21 };

/** A resync of a fresh world, with every item the ingest's mappers were given, per kind. */
async function resyncSeeing(configText?: string) {
  const world = await startWorld({ github: GITHUB, ...(configText ? { configText } : {}) });
  worlds.push(world);
  const given = new Map<string, unknown[]>();
  const compile = async (config: Parameters<typeof compileResource>[0], resource: number) => {
    const mapper = await compileResource(config, resource);
    const seeing: ResourceMapper = {
      kind: mapper.kind,
      resourceIndex: mapper.resourceIndex,
      map(items) {
        given.set(mapper.kind, [...(given.get(mapper.kind) ?? []), ...items]);
        return mapper.map(items);
      },
    };
    return seeing;
  };
  const { run } = await resyncWorld(world, { compile });
  return { world, run, given };
}

/** Port's entities as a user reads them, without the write's own timestamps. */
function catalog(world: World) {
  return Object.fromEntries(
    Object.values(BLUEPRINTS).map((blueprint) => [
      blueprint,
      world.port
        .entities(blueprint)
        .map(({ createdAt: _c, updatedAt: _u, ...entity }) => entity)
        .sort((a, b) => a.identifier.localeCompare(b.identifier)),
    ]),
  );
}

const bytes = (items: unknown[]) => Buffer.byteLength(JSON.stringify(items));

describe("items in messages", () => {
  it("carry only what Ocean's default GitHub mapping reads, and Port gets the same entities as the plain way", async () => {
    const trimmed = await resyncSeeing();
    process.env[FAST_PATH_ENV] = "off";
    const plain = await resyncSeeing();

    expect(trimmed.run.status).toBe("completed");
    expect(plain.run.status).toBe("completed");
    expect(catalog(trimmed.world)).toEqual(catalog(plain.world));
    expect(trimmed.world.actual()).toEqual(trimmed.world.expected());

    const pulls = trimmed.given.get("pull-request") ?? [];
    const whole = plain.given.get("pull-request") ?? [];
    expect(pulls).toHaveLength(whole.length);
    // Raw pull requests hold links, bodies and whole repositories the mapping never reads.
    const keys = new Set(pulls.flatMap((p) => Object.keys(p as object)));
    expect(keys.has("_links")).toBe(false);
    expect(keys.has("head")).toBe(true); // read for the branch
    expect(bytes(pulls)).toBeLessThan(bytes(whole) / 5);
  });

  it("stay whole when the mapping reads the whole item", async () => {
    const { run, given } = await resyncSeeing(
      repositories({
        identifier: ".name",
        title: ".name",
        blueprint: '"githubRepository"',
        properties: { description: ". | tojson | length | tostring" },
      }),
    );
    expect(run.status).toBe("completed");
    const repos = given.get("repository") ?? [];
    expect(repos.length).toBe(GITHUB.repos);
    expect(Object.keys(repos[0] as object)).toEqual(
      expect.arrayContaining(["owner", "html_url", "clone_url"]),
    );
    expect(Object.keys(repos[0] as object).length).toBeGreaterThan(50);
  });

  it("keep the fields that name an item, so a failure still says which one", async () => {
    const { run } = await resyncSeeing(
      repositories({
        identifier: 'if .private then error("private") else .name end',
        blueprint: '"githubRepository"',
      }),
    );
    const failures = run.summary?.failures ?? [];
    expect(run.summary?.failureCount).toBeGreaterThan(0);
    expect(failures.every((f) => typeof f.item === "string" && f.item.includes("/"))).toBe(true);
  });
});

it("config with itemsToParse is sent whole (its paths name the element, not the item)", async () => {
  const config = loadConfig(
    repositories({ identifier: ".item", blueprint: '"githubRepository"' }, { itemsToParse: ".topics" }),
  );
  expect(messageKeep(config.resources[0] as never)).toBeUndefined();
});

describe("the check on a resource's first page", () => {
  const config = loadConfig(
    repositories({
      identifier: ".name",
      blueprint: '"githubRepository"',
      properties: { owner: ".owner.login" },
    }),
  );
  const items = [
    { name: "api", owner: { login: "acme", id: 1 }, html_url: "https://example.test/acme/api" },
    { name: "web", owner: { login: "acme", id: 1 } },
  ];

  it("agrees when the trimmed items map exactly as the whole ones", async () => {
    const keep = messageKeep(config.resources[0] as never);
    expect(keep).toBeDefined();
    expect(await keepAgrees(config, 0, items, keep as never)).toBe(true);
  });

  it("disagrees when a plan leaves out a path the mapping reads, so the fanout sends items whole", async () => {
    const missingOwner = new Map([["name", true as const]]);
    expect(await keepAgrees(config, 0, items, missingOwner)).toBe(false);
  });
});
