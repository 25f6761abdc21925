/**
 * What Port must hold after a good resync with the default GitHub mapping, worked out from
 * the fake org's own objects in plain TypeScript (not with the mapping under test), and a
 * comparison that names every difference.
 */
import type { FakeOrg } from "../fakes/github/index.ts";
import type { PortFake } from "../fakes/port/index.ts";
import { BLUEPRINTS } from "../support/world.ts";

type Json = Record<string, unknown>;

/** The fields of an entity the soak holds to: its title, a few properties that identify its content, its relations. */
export interface KeyFields {
  title: unknown;
  properties: Record<string, unknown>;
  relations: Record<string, unknown>;
}

export type Catalog = Record<string, Map<string, KeyFields>>;

/** Which properties and relations are compared, per blueprint. */
const KEYS: Record<string, { properties: string[]; relations: string[] }> = {
  [BLUEPRINTS.repository]: {
    properties: ["url", "visibility", "stars", "openIssues", "language"],
    relations: [],
  },
  [BLUEPRINTS.pullRequest]: {
    properties: ["number", "status", "link", "creator", "sourceBranch"],
    relations: ["repository"],
  },
  [BLUEPRINTS.issue]: { properties: ["number", "status", "link", "comments"], relations: ["repository"] },
  [BLUEPRINTS.team]: { properties: ["slug", "url", "privacy"], relations: ["parent"] },
};

const login = (user: unknown) => (user as { login?: string } | null)?.login;

/** The default mapping (open pull requests and issues), applied by hand to the org's objects. */
export function expectedCatalog(org: FakeOrg): Catalog {
  const catalog: Catalog = Object.fromEntries(Object.values(BLUEPRINTS).map((bp) => [bp, new Map()]));
  const put = (bp: string, id: string, fields: KeyFields) => catalog[bp]?.set(id, fields);
  for (const repo of org.repos()) {
    const name = String(repo.name);
    put(BLUEPRINTS.repository, name, {
      title: name,
      properties: {
        url: repo.html_url,
        visibility: repo.visibility,
        stars: repo.stargazers_count,
        openIssues: repo.open_issues_count,
        language: repo.language,
      },
      relations: {},
    });
    for (const pr of org.pulls(name, "open")) {
      put(BLUEPRINTS.pullRequest, `${name}-${pr.number}`, {
        title: pr.title,
        properties: {
          number: pr.number,
          status: pr.merged_at != null ? "merged" : pr.state,
          link: pr.html_url,
          creator: login(pr.user),
          sourceBranch: (pr.head as Json).ref,
        },
        relations: { repository: name },
      });
    }
    for (const issue of org.issues(name, "open")) {
      if (issue.pull_request) continue;
      put(BLUEPRINTS.issue, `${name}-${issue.number}`, {
        title: issue.title,
        properties: {
          number: issue.number,
          status: issue.state,
          link: issue.html_url,
          comments: issue.comments,
        },
        relations: { repository: name },
      });
    }
  }
  for (const team of org.teams()) {
    put(BLUEPRINTS.team, String(team.slug), {
      title: team.name,
      properties: { slug: team.slug, url: team.html_url, privacy: team.privacy },
      relations: { parent: (team.parent as Json | null)?.slug ?? null },
    });
  }
  return catalog;
}

/** What the emulator holds, reduced to the same key fields. */
export function actualCatalog(port: PortFake): Catalog {
  const catalog: Catalog = {};
  for (const [bp, keys] of Object.entries(KEYS)) {
    const entities = new Map<string, KeyFields>();
    for (const e of port.entities(bp)) {
      entities.set(e.identifier, {
        title: e.title,
        properties: Object.fromEntries(keys.properties.map((p) => [p, e.properties[p]])),
        relations: Object.fromEntries(keys.relations.map((r) => [r, e.relations[r] ?? null])),
      });
    }
    catalog[bp] = entities;
  }
  return catalog;
}

/** Every difference between two catalogs (at most `limit` of them), as readable lines. */
export function diffCatalogs(expected: Catalog, actual: Catalog, limit = 10): string[] {
  const out: string[] = [];
  for (const bp of Object.keys(KEYS)) {
    const want = expected[bp] ?? new Map();
    const got = actual[bp] ?? new Map();
    for (const [id, fields] of want) {
      const have = got.get(id);
      if (!have) out.push(`${bp}/${id}: missing in Port`);
      else if (JSON.stringify(have) !== JSON.stringify(fields))
        out.push(`${bp}/${id}: Port has ${JSON.stringify(have)}, the source says ${JSON.stringify(fields)}`);
    }
    for (const id of got.keys()) if (!want.has(id)) out.push(`${bp}/${id}: in Port but not in the source`);
  }
  return out.length > limit ? [...out.slice(0, limit), `… and ${out.length - limit} more`] : out;
}

/** Identifiers per blueprint. */
export function identifiers(catalog: Catalog): Record<string, Set<string>> {
  return Object.fromEntries(Object.entries(catalog).map(([bp, m]) => [bp, new Set(m.keys())]));
}

export function countEntities(catalog: Catalog): number {
  return Object.values(catalog).reduce((n, m) => n + m.size, 0);
}

/** The source kind each blueprint of the default mapping comes from. */
export const KIND_OF: Record<string, string> = {
  [BLUEPRINTS.repository]: "repository",
  [BLUEPRINTS.pullRequest]: "pull-request",
  [BLUEPRINTS.issue]: "issue",
  [BLUEPRINTS.team]: "team",
};

/** Raw items per kind the source yields for a catalog: one per entity with the default mapping. */
export function itemsByKind(catalog: Catalog): Record<string, number> {
  return Object.fromEntries(Object.entries(catalog).map(([bp, m]) => [KIND_OF[bp] ?? bp, m.size]));
}
