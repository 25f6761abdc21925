import type { FakeOrg } from "./model.ts";
import type { Json, Repo } from "./objects.ts";
import { paginate } from "./protocol.ts";
import { hashUnit, pick } from "./random.ts";

/**
 * The security alert routes of GitHub's REST API, for the fake org's repositories: Dependabot
 * (`state` a comma-separated list; cursor pagination with `after`, as GitHub pages it), code
 * scanning (`state`: open, closed, dismissed, fixed) and secret scanning (`state`: open,
 * resolved; the literal `secret` unless `hide_secret=true`). Shaped after GitHub's answers
 * (Ocean's recorded examples) and checked against the OpenAPI description in openapi.test.ts.
 * A feature turned off answers as GitHub does: Dependabot 403, code scanning 403 (Advanced
 * Security) or 404 (no analysis), secret scanning 404.
 */
export type SecurityFeature = "dependabot" | "code-scanning" | "secret-scanning";

export interface SecurityOptions {
  /** Alerts per repository (all states), by feature. Default 3 Dependabot, 2 code scanning, 1 secret. */
  alertsPerRepo?: Partial<Record<SecurityFeature, number | ((repoIndex: number) => number)>>;
}

type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

const DEPENDABOT_STATES = ["open", "fixed", "dismissed", "auto_dismissed"] as const;
const CODE_STATES = ["open", "fixed", "dismissed"] as const;
const PACKAGES = [
  ["npm", "lodash", "package-lock.json"],
  ["npm", "webpack", "package-lock.json"],
  ["pip", "requests", "requirements.txt"],
  ["maven", "org.apache.logging.log4j:log4j-core", "pom.xml"],
  ["go", "golang.org/x/net", "go.mod"],
] as const;
const SEVERITIES = ["low", "medium", "high", "critical"] as const;
const RULES = [
  ["js/sql-injection", "error", "high", "Database query built from user-controlled sources"],
  ["actions/missing-workflow-permissions", "warning", "medium", "Workflow does not contain permissions"],
  ["py/clear-text-logging-sensitive-data", "error", "high", "Clear-text logging of sensitive information"],
] as const;
const SECRET_TYPES = [
  ["github_personal_access_token", "GitHub Personal Access Token", "GitHub"],
  ["aws_access_key_id", "Amazon AWS Access Key ID", "Amazon AWS"],
] as const;
const WEB = "https://github.com";
const DAY = 86_400_000;
const BASE = Date.UTC(2024, 0, 1);
const iso = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** The org's alerts, generated from the seed, and which repositories have a feature off. */
export class FakeSecurity {
  readonly #org: FakeOrg;
  readonly #options: SecurityOptions;
  readonly #off = new Map<string, Set<SecurityFeature>>();

  constructor(org: FakeOrg, options: SecurityOptions = {}) {
    this.#org = org;
    this.#options = options;
  }

  /** Turns a feature off for a repository: its alert listing answers as GitHub does then. */
  disable(repoName: string, feature: SecurityFeature): void {
    const off = this.#off.get(repoName) ?? new Set();
    off.add(feature);
    this.#off.set(repoName, off);
    this.#org.version += 1;
  }

  isOff(repo: Repo, feature: SecurityFeature): boolean {
    return this.#off.get(repo.name)?.has(feature) ?? false;
  }

  count(repo: Repo, feature: SecurityFeature): number {
    const fallback = { dependabot: 3, "code-scanning": 2, "secret-scanning": 1 }[feature];
    const value = this.#options.alertsPerRepo?.[feature] ?? fallback;
    return typeof value === "function" ? value(repo.index) : value;
  }

  /** Dependabot alerts of a repository, newest first, in any of `states` (all when empty). */
  dependabot(repo: Repo, states: string[] = []): Json[] {
    return this.#numbers(repo, "dependabot")
      .map((n) => dependabotJson(this.#org, repo, n))
      .filter((a) => states.length === 0 || states.includes(String(a.state)));
  }

  codeScanning(repo: Repo, state?: string): Json[] {
    return this.#numbers(repo, "code-scanning")
      .map((n) => codeScanningJson(this.#org, repo, n))
      .filter((a) => !state || a.state === state || (state === "closed" && a.state !== "open"));
  }

  secretScanning(repo: Repo, state?: string, hideSecret = false): Json[] {
    return this.#numbers(repo, "secret-scanning")
      .map((n) => secretScanningJson(this.#org, repo, n, hideSecret))
      .filter((a) => !state || a.state === state);
  }

  #numbers(repo: Repo, feature: SecurityFeature): number[] {
    const count = this.count(repo, feature);
    return Array.from({ length: count }, (_, i) => count - i);
  }
}

/** Answers the route if it is a security alert listing; false otherwise. */
export function serveSecurityRoute(
  security: FakeSecurity,
  org: FakeOrg,
  url: URL,
  method: string,
  headers: Record<string, string>,
  send: Send,
): boolean {
  const match = /^\/repos\/([^/]+)\/([^/]+)\/(dependabot|code-scanning|secret-scanning)\/alerts$/.exec(
    url.pathname,
  );
  if (!match || method !== "GET") return false;
  const [, owner, name, feature] = match as unknown as [string, string, string, SecurityFeature];
  const repo =
    owner.toLowerCase() === org.login.toLowerCase() ? org.findRepo(decodeURIComponent(name)).repo : undefined;
  if (!repo) {
    send(404, { message: "Not Found", documentation_url: "https://docs.github.com/rest" }, headers);
    return true;
  }
  if (repo.blocked) {
    send(repo.blocked.status, { message: "Repository access blocked", block: repo.blocked.block }, headers);
    return true;
  }
  const q = url.searchParams;
  const docs = `https://docs.github.com/rest/${feature}/alerts#list-${feature}-alerts-for-a-repository`;
  if (security.isOff(repo, feature)) {
    const [status, message] = {
      dependabot: [403, "Dependabot alerts are disabled for this repository."],
      "code-scanning": [403, "Advanced Security must be enabled for this repository to use code scanning."],
      "secret-scanning": [404, "Secret scanning is disabled on this repository."],
    }[feature] as [number, string];
    send(status, { message, documentation_url: docs, status: String(status) }, headers);
    return true;
  }
  const invalid = (value: string) => {
    send(
      422,
      { message: `Validation Failed: state ${value} is not valid`, documentation_url: docs },
      headers,
    );
    return true;
  };
  if (feature === "dependabot") {
    const states = (q.get("state") ?? "").split(",").filter(Boolean);
    const bad = states.find((s) => !(DEPENDABOT_STATES as readonly string[]).includes(s));
    if (bad !== undefined) return invalid(bad);
    if (q.has("page")) {
      send(
        400,
        { message: "Pagination using the `page` parameter is not supported.", documentation_url: docs },
        headers,
      );
      return true;
    }
    send(200, afterCursorPage(security.dependabot(repo, states), url, headers), headers);
    return true;
  }
  const state = q.get("state") ?? undefined;
  if (feature === "code-scanning") {
    if (state && !["open", "closed", "dismissed", "fixed"].includes(state)) return invalid(state);
    send(200, paginate(security.codeScanning(repo, state), url, url.pathname, headers), headers);
    return true;
  }
  if (state && !["open", "resolved"].includes(state)) return invalid(state);
  const alerts = security.secretScanning(repo, state, q.get("hide_secret") === "true");
  send(200, paginate(alerts, url, url.pathname, headers), headers);
  return true;
}

/** GitHub's cursor pagination (Dependabot): `after` is an opaque cursor, `Link` gives the next. */
function afterCursorPage(all: Json[], url: URL, headers: Record<string, string>): Json[] {
  const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get("per_page") ?? 30) || 30));
  const after = url.searchParams.get("after");
  const start = after ? Number(Buffer.from(after, "base64url").toString("utf8").replace(/^n:/, "")) : 0;
  const page = all.slice(start, start + perPage);
  if (start + perPage < all.length) {
    const next = new URL(url.href);
    next.searchParams.set("after", Buffer.from(`n:${start + perPage}`).toString("base64url"));
    headers.link = `<${next.href}>; rel="next"`;
  }
  return page;
}

function user(login: string, id: number): Json {
  return {
    login,
    id,
    node_id: Buffer.from(`04:User${id}`).toString("base64"),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: "",
    url: `https://api.github.com/users/${login}`,
    html_url: `${WEB}/${login}`,
    followers_url: `https://api.github.com/users/${login}/followers`,
    following_url: `https://api.github.com/users/${login}/following{/other_user}`,
    gists_url: `https://api.github.com/users/${login}/gists{/gist_id}`,
    starred_url: `https://api.github.com/users/${login}/starred{/owner}{/repo}`,
    subscriptions_url: `https://api.github.com/users/${login}/subscriptions`,
    organizations_url: `https://api.github.com/users/${login}/orgs`,
    repos_url: `https://api.github.com/users/${login}/repos`,
    events_url: `https://api.github.com/users/${login}/events{/privacy}`,
    received_events_url: `https://api.github.com/users/${login}/received_events`,
    type: "User",
    site_admin: false,
  };
}

function dependabotJson(org: FakeOrg, repo: Repo, n: number): Json {
  const u = (k: number) => hashUnit(org.seed, 31, repo.index, n, k);
  const [ecosystem, name, manifest] = pick(PACKAGES, u(1));
  const state = pick(DEPENDABOT_STATES, u(2));
  const severity = pick(SEVERITIES, u(3));
  const created = BASE + repo.index * DAY + n * 3_600_000;
  const updated = created + Math.floor(u(4) * 10) * DAY;
  const ghsa = `GHSA-${(Math.floor(u(5) * 36 ** 4) + 36 ** 3).toString(36)}-fake-${n.toString(36).padStart(4, "0")}`;
  const cve = `CVE-2024-${10000 + Math.floor(u(6) * 80000)}`;
  const pkg = { ecosystem, name };
  const vulnerability = {
    package: pkg,
    severity,
    vulnerable_version_range: "< 2.0.0",
    first_patched_version: { identifier: "2.0.0" },
  };
  const api = `${org.apiUrl}/repos/${org.login}/${repo.name}`;
  return {
    number: n,
    state,
    dependency: {
      package: pkg,
      manifest_path: manifest,
      scope: u(7) < 0.5 ? "runtime" : "development",
      relationship: "direct",
    },
    security_advisory: {
      ghsa_id: ghsa,
      cve_id: cve,
      summary: `${name} is vulnerable to a fake flaw #${n}`,
      description: `A generated advisory for ${name}.`,
      severity,
      identifiers: [
        { value: ghsa, type: "GHSA" },
        { value: cve, type: "CVE" },
      ],
      references: [{ url: `${WEB}/advisories/${ghsa}` }],
      published_at: iso(created - DAY),
      updated_at: iso(created),
      withdrawn_at: null,
      vulnerabilities: [vulnerability],
      cvss: { vector_string: "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:N", score: 3.7 },
      cvss_severities: {
        cvss_v3: { vector_string: "CVSS:3.1/AV:N/AC:H/PR:L/UI:R/S:U/C:L/I:L/A:N", score: 3.7 },
        cvss_v4: { vector_string: null, score: 0 },
      },
      epss: { percentage: 0.00008, percentile: 0.00577 },
      cwes: [{ cwe_id: "CWE-918", name: "Server-Side Request Forgery (SSRF)" }],
    },
    security_vulnerability: vulnerability,
    url: `${api}/dependabot/alerts/${n}`,
    html_url: `${WEB}/${org.login}/${repo.name}/security/dependabot/${n}`,
    created_at: iso(created),
    updated_at: iso(updated),
    dismissed_at: state === "dismissed" ? iso(updated) : null,
    dismissed_by: state === "dismissed" ? user("octocat", 583231) : null,
    dismissed_reason: state === "dismissed" ? "tolerable_risk" : null,
    dismissed_comment: null,
    fixed_at: state === "fixed" ? iso(updated) : null,
    auto_dismissed_at: state === "auto_dismissed" ? iso(updated) : null,
    dismissal_request: null,
    assignees: [],
  };
}

function codeScanningJson(org: FakeOrg, repo: Repo, n: number): Json {
  const u = (k: number) => hashUnit(org.seed, 37, repo.index, n, k);
  const [id, severity, level, description] = pick(RULES, u(1));
  const state = pick(CODE_STATES, u(2));
  const created = BASE + repo.index * DAY + n * 3_600_000;
  const updated = created + Math.floor(u(3) * 10) * DAY;
  const api = `${org.apiUrl}/repos/${org.login}/${repo.name}`;
  return {
    number: n,
    created_at: iso(created),
    updated_at: iso(updated),
    url: `${api}/code-scanning/alerts/${n}`,
    html_url: `${WEB}/${org.login}/${repo.name}/security/code-scanning/${n}`,
    state,
    fixed_at: state === "fixed" ? iso(updated) : null,
    dismissed_by: state === "dismissed" ? user("octocat", 583231) : null,
    dismissed_at: state === "dismissed" ? iso(updated) : null,
    dismissed_reason: state === "dismissed" ? "false positive" : null,
    dismissed_comment: null,
    rule: {
      id,
      severity,
      description,
      name: id,
      tags: ["security", `external/cwe/cwe-${89 + n}`],
      full_description: `${description}.`,
      help: `## Overview\n\n${description}.\n`,
      security_severity_level: level,
    },
    tool: { name: "CodeQL", guid: null, version: "2.24.0" },
    most_recent_instance: {
      ref: "refs/heads/main",
      analysis_key: "dynamic/github-code-scanning/codeql:analyze",
      environment: '{"build-mode":"none","category":"/language:javascript"}',
      category: "/language:javascript",
      state,
      commit_sha: Buffer.from(`${repo.name}:${n}`).toString("hex").padEnd(40, "0").slice(0, 40),
      message: { text: description },
      location: { path: `src/file${n}.js`, start_line: n, end_line: n + 3, start_column: 1, end_column: 20 },
      classifications: [],
    },
    instances_url: `${api}/code-scanning/alerts/${n}/instances`,
    dismissal_approved_by: null,
    assignees: [],
  };
}

function secretScanningJson(org: FakeOrg, repo: Repo, n: number, hideSecret: boolean): Json {
  const u = (k: number) => hashUnit(org.seed, 41, repo.index, n, k);
  const [type, display, provider] = pick(SECRET_TYPES, u(1));
  const resolved = u(2) < 0.3;
  const created = BASE + repo.index * DAY + n * 3_600_000;
  const api = `${org.apiUrl}/repos/${org.login}/${repo.name}`;
  const alert: Json = {
    number: n,
    created_at: iso(created),
    updated_at: iso(created + DAY),
    url: `${api}/secret-scanning/alerts/${n}`,
    html_url: `${WEB}/${org.login}/${repo.name}/security/secret-scanning/${n}`,
    locations_url: `${api}/secret-scanning/alerts/${n}/locations`,
    state: resolved ? "resolved" : "open",
    resolution: resolved ? "revoked" : null,
    resolved_at: resolved ? iso(created + DAY) : null,
    resolved_by: resolved ? user("octocat", 583231) : null,
    resolution_comment: null,
    secret_type: type,
    secret_type_display_name: display,
    provider,
    provider_slug: provider.toLowerCase().replace(/\s+/g, "-"),
    push_protection_bypassed: false,
    push_protection_bypassed_by: null,
    push_protection_bypassed_at: null,
    validity: "unknown",
    publicly_leaked: false,
    multi_repo: false,
    is_base64_encoded: false,
    has_more_locations: false,
  };
  // What a leaked secret looks like; GitHub leaves it out when asked to hide it.
  if (!hideSecret) alert.secret = `ghp_FAKEsecret${repo.index}x${n}${Math.floor(u(3) * 1e9).toString(36)}`;
  return alert;
}
