import { NetworkError, RetryLaterError } from "../http/index.ts";
import { SourceHttpError } from "../source/errors.ts";
import { readRepositoryFile } from "../source/github/files.ts";
import { GitHubClient } from "../source/github/index.ts";
import type { FileRequest } from "../source/types.ts";
import { EventApplyError } from "./errors.ts";

type Item = Record<string, unknown>;

/** What the worker reads from GitHub: one object at a time. */
export interface GitHubObjects {
  /** The object at a REST path; undefined when GitHub answers 404 or 410 (it is gone). */
  get(path: string): Promise<Item | undefined>;
  /** A file of the item's repository (`file://` values, `includedFiles`); null when there is none. */
  readFile?(request: FileRequest): Promise<string | null>;
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

/**
 * GitHub as live events use it: single objects through the GitHub source's client (redirects
 * of renamed repositories, App tokens, rate limits), and the org webhook `tide setup` manages.
 */
export class LiveGitHub implements GitHubObjects {
  readonly #client: GitHubClient;

  constructor(options: LiveGitHubOptions) {
    if (!options.app && !options.token)
      throw new Error("live events need GITHUB_TOKEN or the GITHUB_APP_* settings to read GitHub");
    this.#client = new GitHubClient({
      apiUrl: options.apiUrl,
      token: options.token,
      app: options.app,
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

  async readFile(request: FileRequest): Promise<string | null> {
    try {
      return await readRepositoryFile(this.#client, request);
    } catch (error) {
      throw asApplyError(error, `reading ${request.path}`);
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
    try {
      return (await this.#client.send(method, path, body)).body;
    } catch (error) {
      if (error instanceof SourceHttpError && (error.status === 404 || error.status === 403)) {
        throw new Error(
          `${error.message}: managing org webhooks needs an org owner's token with admin:org_hook (or an App with the organization webhooks permission)`,
        );
      }
      throw error;
    }
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
