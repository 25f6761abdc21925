/**
 * Mapping throughput and memory: raw GitHub repositories (full REST objects, ~4.7 KB each)
 * through `lib/mapping/examples/github-repository.yml` (a selector, 12 properties, a team,
 * two relations, one of them a search query) with the real jq engine, on one core.
 *
 * Items are generated on the fly, batch by batch, as the ingest Lambda receives them. Peak
 * memory is measured in a fresh process per size, collecting garbage after each batch, so
 * that it shows what mapping holds rather than how lazily V8 collects.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { compileResource, loadConfig, type ResourceMapper } from "../lib/mapping/index.ts";
import type { BenchRow } from "./row.ts";

const TARGET_ITEMS_PER_SECOND = 20_000;
const BATCH = 1000;
/** Peak RSS may grow this much from 10k to 1M items and still count as flat. */
const FLAT_MB = 32;

export async function run(): Promise<BenchRow[]> {
  const mapper = await exampleMapper();
  const bytes = JSON.stringify(repository(1)).length;
  await mapThrough(mapper, 5_000, BATCH); // warm-up: JIT, and the mapper's one verification batch

  const rows: BenchRow[] = [];
  const big = await mapThrough(mapper, 60_000, BATCH);
  const rate = big.items / big.seconds;
  rows.push({
    group: "mapping",
    name: `GitHub repositories (${(bytes / 1024).toFixed(1)} KB each) mapped in batches of ${BATCH}`,
    value: `${fmt(rate)} items/s (${((big.seconds / big.items) * 1e6).toFixed(0)} µs/item)`,
    target: `≥ ${fmt(TARGET_ITEMS_PER_SECOND)} items/s`,
    pass: rate >= TARGET_ITEMS_PER_SECOND,
  });
  const small = await mapThrough(mapper, 10_000, 100);
  rows.push({
    group: "mapping",
    name: "the same in batches of 100 (an SQS message of full repositories)",
    value: `${fmt(small.items / small.seconds)} items/s`,
    target: "",
  });

  const peaks: number[] = [];
  for (const items of [10_000, 100_000, 1_000_000]) peaks.push(await peakRssMb(items));
  const growth = (peaks.at(-1) ?? 0) - (peaks[0] ?? 0);
  rows.push({
    group: "mapping",
    name: "peak RSS mapping 10k / 100k / 1M items (fresh process each)",
    value: `${peaks.map((mb) => `${mb.toFixed(0)} MB`).join(" / ")} (${growth >= 0 ? "+" : ""}${growth.toFixed(0)} MB)`,
    target: `flat (≤ +${FLAT_MB} MB)`,
    pass: growth <= FLAT_MB,
  });
  return rows;
}

async function exampleMapper(): Promise<ResourceMapper> {
  const path = new URL("../lib/mapping/examples/github-repository.yml", import.meta.url);
  return compileResource(loadConfig(await readFile(path, "utf8"), "github-repository.yml"), 0);
}

async function mapThrough(mapper: ResourceMapper, total: number, batch: number, afterBatch?: () => void) {
  let entities = 0;
  let seconds = 0;
  for (let start = 0; start < total; start += batch) {
    const items = Array.from({ length: Math.min(batch, total - start) }, (_, i) => repository(start + i));
    const began = performance.now();
    const result = await mapper.map(items);
    seconds += (performance.now() - began) / 1000;
    entities += result.entities.length;
    if (result.failures.length > 0) throw new Error(`mapping failed: ${JSON.stringify(result.failures[0])}`);
    afterBatch?.();
  }
  if (entities === 0) throw new Error("the mapping produced no entities");
  return { items: total, seconds };
}

/** Maps `items` in a child process (this file, run directly) and returns its peak RSS. */
function peakRssMb(items: number): Promise<number> {
  const self = fileURLToPath(import.meta.url);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--expose-gc", self, String(items)], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("error", reject);
    child.on("close", (code) => {
      if (code === 0) resolve(Number(out.trim()));
      else reject(new Error(`the memory run for ${items} items exited ${code}`));
    });
  });
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");

const LANGUAGES = ["TypeScript", "Go", "Python", "Java", "Rust", null];
const TOPICS = [
  "team-platform",
  "team-payments",
  "tier-1",
  "tier-2",
  "api",
  "library",
  "terraform",
  "deprecated",
];
const LINKS = [
  ...["forks", "keys", "collaborators", "teams", "hooks", "issue_events", "events", "assignees", "branches"],
  ...[
    "tags",
    "blobs",
    "git_tags",
    "git_refs",
    "trees",
    "statuses",
    "languages",
    "stargazers",
    "contributors",
  ],
  ...["subscribers", "subscription", "commits", "git_commits", "comments", "issue_comment", "contents"],
  ...[
    "compare",
    "merges",
    "archive",
    "downloads",
    "issues",
    "pulls",
    "milestones",
    "notifications",
    "labels",
  ],
  ...["releases", "deployments"],
];
const OWNER_LINKS = ["url", "html_url", "followers_url", "following_url", "gists_url", "starred_url"].concat([
  "subscriptions_url",
  "organizations_url",
  "repos_url",
  "events_url",
  "received_events_url",
]);
const LINK_KEYS = LINKS.map((link) => `${link}_url`);
const OWNER: Record<string, unknown> = {
  login: "acme",
  id: 1000,
  node_id: "MDEyOk9yZ2FuaXphdGlvbjEwMDA=",
  avatar_url: "https://avatars.githubusercontent.com/u/1000?v=4",
  gravatar_id: "",
  type: "Organization",
  site_admin: false,
  ...Object.fromEntries(OWNER_LINKS.map((link) => [link, `https://api.github.com/users/acme/${link}`])),
};
// Every repository has the same keys in the same order, as GitHub's are; values vary.
const TEMPLATE: Record<string, unknown> = {
  id: 0,
  node_id: "",
  name: "",
  full_name: "",
  private: false,
  owner: null,
  html_url: "",
  description: null,
  fork: false,
  url: "",
  ...Object.fromEntries(LINK_KEYS.map((k) => [k, ""])),
  git_url: "",
  ssh_url: "",
  clone_url: "",
  svn_url: "",
  homepage: null,
  size: 0,
  stargazers_count: 0,
  watchers_count: 0,
  language: null,
  has_issues: true,
  has_projects: true,
  has_downloads: true,
  has_wiki: false,
  has_pages: false,
  has_discussions: false,
  forks_count: 0,
  mirror_url: null,
  archived: false,
  disabled: false,
  open_issues_count: 0,
  license: null,
  allow_forking: true,
  is_template: false,
  web_commit_signoff_required: false,
  topics: [],
  visibility: "",
  forks: 0,
  open_issues: 0,
  watchers: 0,
  default_branch: "main",
  permissions: null,
  created_at: "",
  updated_at: "",
  pushed_at: "",
};
const MIT = { key: "mit", name: "MIT License", spdx_id: "MIT", url: null, node_id: "MDc6TGljZW5zZTEz" };

/** A deterministic pseudo-random unit from an index and a salt. */
function unit(i: number, salt: number): number {
  let h = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(salt, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x27d4eb2d);
  return ((h ^ (h >>> 16)) >>> 0) / 2 ** 32;
}

const stamp = (minutes: number) =>
  `2024-${String(1 + (Math.floor(minutes / 40_000) % 12)).padStart(2, "0")}-${String(1 + (Math.floor(minutes / 1440) % 28)).padStart(2, "0")}T${String(Math.floor(minutes / 60) % 24).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}:00Z`;

/** A repository as `GET /orgs/{org}/repos` returns it: every field, URLs included (~5 KB). */
export function repository(i: number): Record<string, unknown> {
  const name = `${i % 97 === 0 ? "tmp-" : ""}service-${i}`;
  const api = `https://api.github.com/repos/acme/${name}`;
  const repo = { ...TEMPLATE };
  const isPrivate = unit(i, 1) < 0.3;
  const stars = Math.floor(unit(i, 5) * 300);
  const forks = Math.floor(unit(i, 7) * 10);
  const issues = Math.floor(unit(i, 9) * 40);
  repo.id = 100_000 + i;
  repo.node_id = `MDEwOlJlcG9zaXRvcnk${100_000 + i}`;
  repo.name = name;
  repo.full_name = `acme/${name}`;
  repo.private = isPrivate;
  repo.owner = { ...OWNER };
  repo.html_url = `https://github.com/acme/${name}`;
  repo.description = unit(i, 2) < 0.15 ? null : `The ${name} service`;
  repo.fork = unit(i, 3) < 0.05;
  repo.url = api;
  for (const [k, key] of LINK_KEYS.entries()) repo[key] = `${api}/${LINKS[k]}{/id}`;
  repo.git_url = `git://github.com/acme/${name}.git`;
  repo.ssh_url = `git@github.com:acme/${name}.git`;
  repo.clone_url = `https://github.com/acme/${name}.git`;
  repo.svn_url = `https://github.com/acme/${name}`;
  repo.size = Math.floor(unit(i, 4) * 90_000);
  repo.stargazers_count = repo.watchers_count = repo.watchers = stars;
  repo.language = LANGUAGES[Math.floor(unit(i, 6) * LANGUAGES.length)] ?? null;
  repo.forks_count = repo.forks = forks;
  repo.archived = unit(i, 8) < 0.04;
  repo.open_issues_count = repo.open_issues = issues;
  repo.license = unit(i, 10) < 0.5 ? null : { ...MIT };
  repo.topics = TOPICS.filter((_, k) => unit(i, 20 + k) < 0.3);
  repo.visibility = isPrivate ? "private" : "internal";
  repo.default_branch = unit(i, 11) < 0.8 ? "main" : "master";
  repo.permissions = { admin: false, maintain: false, push: true, triage: true, pull: true };
  repo.created_at = stamp(i);
  repo.updated_at = repo.pushed_at = stamp(i * 7);
  return repo;
}

// Run directly (`node --expose-gc bench/mapping.ts N`): map N items and print the peak RSS in MB.
if (import.meta.main) {
  const gc = (globalThis as { gc?: () => void }).gc;
  const mapper = await exampleMapper();
  await mapThrough(mapper, Number(process.argv[2] ?? 10_000), BATCH, gc);
  process.stdout.write(`${process.resourceUsage().maxRSS / 1024}\n`);
}
