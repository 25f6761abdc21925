import type { CallOptions, FileRequest } from "../types.ts";
import { type GitHubClient, GitHubHttpError } from "./client.ts";

/**
 * `readFile` of the GitHub source: a file of the item's repository on its default branch,
 * through the contents API (`GET /repos/{owner}/{repo}/contents/{path}`), as Ocean's GitHub
 * integration reads `file://` values. The repository is the item itself (a repository) or
 * its `repository` field (as GitHub nests it in many objects): an object with a `name` and an
 * `owner.login`, so that a team, which has a name too, is not taken for a repository.
 *
 * `null`, not an error, when: the item names no repository, the file does not exist (404),
 * the path is a directory or a symlink or submodule, or the file is over GitHub's 1 MB limit
 * for contents (GitHub then sends no content; Ocean gives null too). Other answers throw.
 */
export async function readRepositoryFile(
  client: GitHubClient,
  request: FileRequest,
  options: CallOptions = {},
): Promise<string | null> {
  const repo = repositoryOf(request.item);
  if (!repo) return null;
  const path = request.path.replace(/^\/+/, "").split("/").map(encodeURIComponent).join("/");
  const ref = repo.defaultBranch ? `?ref=${encodeURIComponent(repo.defaultBranch)}` : "";
  const url = `/repos/${encodeURIComponent(repo.owner)}/${encodeURIComponent(repo.name)}/contents/${path}${ref}`;
  let body: unknown;
  try {
    ({ body } = await client.get(url, { signal: options.signal, waitBudgetMs: options.waitBudgetMs }));
  } catch (error) {
    if (error instanceof GitHubHttpError && error.status === 404) return null;
    throw error;
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) return null; // a directory
  const file = body as { type?: unknown; content?: unknown; encoding?: unknown };
  if (file.type !== "file" || typeof file.content !== "string" || file.encoding !== "base64") return null;
  if (file.content === "") return null; // over 1 MB: GitHub leaves the content out
  return Buffer.from(file.content, "base64").toString("utf8");
}

interface RepositoryRef {
  name: string;
  owner: string;
  defaultBranch?: string;
}

function repositoryOf(item: unknown): RepositoryRef | undefined {
  if (item === null || typeof item !== "object") return undefined;
  const record = item as Record<string, unknown>;
  const nested = record.repository;
  const repo = (nested !== null && typeof nested === "object" ? nested : record) as Record<string, unknown>;
  const owner = (repo.owner as Record<string, unknown> | null | undefined)?.login;
  if (typeof repo.name !== "string" || repo.name === "" || typeof owner !== "string") return undefined;
  return {
    name: repo.name,
    owner,
    ...(typeof repo.default_branch === "string" ? { defaultBranch: repo.default_branch } : {}),
  };
}
