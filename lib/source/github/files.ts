import type { CallOptions, FileRequest } from "../types.ts";
import type { GitHubClient } from "./client.ts";
import { readFileContent } from "./file-content.ts";

/**
 * `readFile` of the GitHub source: a file of the item's repository on its default branch,
 * through the contents API (`GET /repos/{owner}/{repo}/contents/{path}`), as Ocean's GitHub
 * integration reads `file://` values. The repository is the item itself (a repository) or
 * its `repository` field (as GitHub nests it in many objects): an object with a `name` and an
 * `owner.login`, so that a team, which has a name too, is not taken for a repository.
 *
 * `null`, not an error, when the item names no repository; otherwise as `readFileContent`
 * (null for a missing file, a directory, a symlink or a submodule; a file over 1 MB read from
 * its blob). Other answers throw.
 */
export async function readRepositoryFile(
  client: GitHubClient,
  request: FileRequest,
  options: CallOptions = {},
): Promise<string | null> {
  const repo = repositoryOf(request.item);
  if (!repo) return null;
  const path = request.path.replace(/^\/+/, "");
  return readFileContent(
    client,
    { owner: repo.owner, repo: repo.name, path, ref: repo.defaultBranch },
    options,
  );
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
