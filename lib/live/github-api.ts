import { type HttpClient, header, NetworkError, RetryLaterError } from "../http/index.ts";
import { SourceHttpError } from "../source/errors.ts";
import { type GitHubAuth, tokenAuth } from "../source/github/app-auth.ts";
import { GitHubAppAuth, GitHubClient } from "../source/github/index.ts";
import { EventApplyError } from "./errors.ts";

type Item = Record<string, unknown>;

/** What the worker reads from GitHub: one object at a time. */
export interface GitHubObjects {
  /** The object at a REST path; undefined when GitHub answers 404 or 410 (it is gone). */
  get(path: string): Promise<Item | undefined>;
}

/** An organization webhook as GitHub returns it (`GET /orgs/{org}/hooks`). */
export interface OrgHook {
  id: number;
  name: string;
  active: boolean;
  events: string[];
  config: { url?: string; content_type?: string; insecure_ssl?: string | number; secret?: string };
}

/** The body of `POST /orgs/{org}/hooks` and `PATCH /orgs/{org}/hooks/{id}`. */
export interface OrgHookBody {
  name?: "web";
  active: boolean;
  events: string[];
  config: { url: string; content_type: "json"; insecure_ssl: "0"; secret: string };
}

export interface LiveGitHubOptions {
  apiUrl: string;
  token?: string;
  app?: { appId: string; privateKey: string; installationId: string | number };
  userAgent?: string;
}

const API_VERSION = "2022-11-28";

/**
 * GitHub as live events use it: single objects through the GitHub source's client (redirects
 * of renamed repositories, App tokens, rate limits), and the org webhook `tide setup` manages.
 */
export class LiveGitHub implements GitHubObjects {
  readonly #client: GitHubClient;
  readonly #auth: GitHubAuth;

  constructor(options: LiveGitHubOptions) {
    if (options.app) this.#auth = new GitHubAppAuth(options.app);
    else if (options.token) this.#auth = tokenAuth(options.token);
    else throw new Error("live events need GITHUB_TOKEN or the GITHUB_APP_* settings to read GitHub");
    this.#client = new GitHubClient({
      apiUrl: options.apiUrl,
      auth: this.#auth,
      userAgent: options.userAgent ?? "tide/0.1.0 (live events)",
    });
  }

  /** Built from the GitHub source's settings (`GITHUB_TOKEN` or `GITHUB_APP_*`, `GITHUB_API_URL`). */
  static fromSettings(settings: Record<string, string | number | boolean | undefined>): LiveGitHub {
    const text = (name: string) => {
      const value = settings[name];
      return value === undefined || value === "" ? undefined : String(value);
    };
    const appId = text("GITHUB_APP_ID");
    return new LiveGitHub({
      apiUrl: text("GITHUB_API_URL") ?? "https://api.github.com",
      token: text("GITHUB_TOKEN"),
      app: appId
        ? {
            appId,
            privateKey: text("GITHUB_APP_PRIVATE_KEY") ?? "",
            installationId: text("GITHUB_APP_INSTALLATION_ID") ?? "",
          }
        : undefined,
    });
  }

  async get(path: string): Promise<Item | undefined> {
    try {
      const { body } = await this.#client.get(path);
      if (body === null || typeof body !== "object" || Array.isArray(body))
        throw new EventApplyError(`GitHub: GET ${path} did not return an object`, false);
      return body as Item;
    } catch (error) {
      if (error instanceof SourceHttpError && (error.status === 404 || error.status === 410))
        return undefined;
      throw asApplyError(error, `GET ${path}`);
    }
  }

  listOrgHooks(org: string): Promise<OrgHook[]> {
    return this.#write("GET", `/orgs/${encodeURIComponent(org)}/hooks?per_page=100`) as Promise<OrgHook[]>;
  }

  createOrgHook(org: string, body: OrgHookBody): Promise<OrgHook> {
    return this.#write("POST", `/orgs/${encodeURIComponent(org)}/hooks`, {
      name: "web",
      ...body,
    }) as Promise<OrgHook>;
  }

  updateOrgHook(org: string, id: number, body: OrgHookBody): Promise<OrgHook> {
    return this.#write("PATCH", `/orgs/${encodeURIComponent(org)}/hooks/${id}`, body) as Promise<OrgHook>;
  }

  async #write(method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<unknown> {
    const http: HttpClient = this.#client.http;
    const res = await http.request({
      method,
      path,
      body,
      headers: {
        authorization: await this.#auth.authorization(http, {}),
        accept: "application/vnd.github+json",
        "x-github-api-version": API_VERSION,
      },
    });
    let parsed: unknown;
    try {
      parsed = res.text === "" ? undefined : JSON.parse(res.text);
    } catch {
      parsed = undefined;
    }
    if (res.status >= 200 && res.status < 300) return parsed;
    const message = (parsed as { message?: string } | undefined)?.message;
    const hint =
      res.status === 404 || res.status === 403
        ? ": managing org webhooks needs an org owner's token with admin:org_hook (or an App with the organization webhooks permission)"
        : "";
    throw new Error(
      `GitHub: ${method} ${res.path} answered ${res.status}${message ? ` (${message})` : ""}${hint}` +
        ` (request ${header(res.headers, "x-github-request-id") ?? "?"})`,
    );
  }
}

/** GitHub 5xx, rate limits and network trouble are worth retrying; other answers are not. */
function asApplyError(error: unknown, what: string): EventApplyError {
  if (error instanceof EventApplyError) return error;
  if (error instanceof RetryLaterError || error instanceof NetworkError)
    return new EventApplyError(`GitHub: ${what}: ${error.message}`, true);
  if (error instanceof SourceHttpError)
    return new EventApplyError(`GitHub: ${error.message}`, error.status >= 500 || error.status === 429);
  return new EventApplyError(`GitHub: ${what}: ${(error as Error).message}`, true);
}
