import { SourceHttpError } from "../errors.ts";
import type { CallOptions } from "../types.ts";
import type { GitHubClient } from "./client.ts";

/** Where a file is: a repository of `owner`, a path in it, and a branch, tag or commit (default: the default branch). */
export interface FileAt {
  owner: string;
  repo: string;
  path: string;
  ref?: string;
}

/** One path's segments encoded, its slashes kept: `docs/a b.md` → `docs/a%20b.md`. */
export function encodePath(path: string): string {
  return path.split("/").map(encodeURIComponent).join("/");
}

/** A repository's API path: `/repos/{owner}/{repo}`. */
export function repoPath(owner: string, repo: string): string {
  return `/repos/${encodeURIComponent(owner)}/${encodeURIComponent(repo)}`;
}

/**
 * A file's text, as `GET /repos/{owner}/{repo}/contents/{path}` gives it (base64, decoded as
 * UTF-8; NUL characters dropped, as Ocean does). `null` when there is no such file (404), or
 * the path is a directory, a symlink or a submodule. A file over 1 MB, whose content the
 * contents API leaves out (`encoding: "none"`), is read from its blob (`/git/blobs/{sha}`, up
 * to 100 MB), as GitHub documents.
 *
 * @example
 * const readme = await readFileContent(client, { owner: "acme", repo: "api", path: "README.md" });
 */
export async function readFileContent(
  client: GitHubClient,
  at: { owner: string; repo: string; path: string; ref?: string },
  options?: CallOptions,
): Promise<string | null> {
  const request = { signal: options?.signal, waitBudgetMs: options?.waitBudgetMs };
  const base = repoPath(at.owner, at.repo);
  const query = at.ref ? `?ref=${encodeURIComponent(at.ref)}` : "";
  let body: unknown;
  try {
    ({ body } = await client.get(`${base}/contents/${encodePath(at.path)}${query}`, request));
  } catch (error) {
    if (error instanceof SourceHttpError && error.status === 404) return null;
    throw error;
  }
  const file = body as { type?: unknown; content?: unknown; encoding?: unknown; sha?: unknown } | null;
  if (Array.isArray(body) || file?.type !== "file") return null;
  if (file.encoding === "base64" && typeof file.content === "string") return decode(file.content);
  if (typeof file.sha !== "string") {
    throw new TypeError(
      `github: the contents of ${at.owner}/${at.repo}:${at.path} came without content or sha`,
    );
  }
  const blob = (await client.get(`${base}/git/blobs/${encodeURIComponent(file.sha)}`, request)).body as {
    content?: unknown;
    encoding?: unknown;
  };
  if (typeof blob?.content !== "string") {
    throw new TypeError(`github: the blob of ${at.owner}/${at.repo}:${at.path} came without content`);
  }
  return blob.encoding === "base64" ? decode(blob.content) : blob.content;
}

function decode(base64: string): string {
  // Buffer skips the newlines GitHub puts every 60 characters; invalid UTF-8 becomes U+FFFD.
  return Buffer.from(base64, "base64").toString("utf8").replaceAll("\0", "");
}
