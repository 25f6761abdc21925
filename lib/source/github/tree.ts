import picomatch from "picomatch";
import { SourceHttpError } from "../errors.ts";
import type { CallOptions } from "../types.ts";
import type { GitHubClient } from "./client.ts";
import { repoPath } from "./file-content.ts";

/** An entry of a git tree, as `GET /repos/{owner}/{repo}/git/trees/{ref}` lists it. */
export interface TreeEntry {
  path: string;
  mode: string;
  type: "blob" | "tree" | "commit";
  sha: string;
  size?: number;
  url?: string;
}

export interface Tree {
  entries: TreeEntry[];
  /** GitHub cut the recursive listing short (over 100,000 entries or 7 MB). */
  truncated: boolean;
}

/**
 * A branch's tree: every entry with `recursive`, else the top level. `null` for an empty
 * repository (409) or a branch that does not exist (404): nothing to match.
 */
export async function readTree(
  client: GitHubClient,
  at: { owner: string; repo: string; ref: string; recursive: boolean },
  options?: CallOptions,
): Promise<Tree | null> {
  const path = `${repoPath(at.owner, at.repo)}/git/trees/${encodeURIComponent(at.ref)}`;
  try {
    const { body } = await client.get(`${path}${at.recursive ? "?recursive=1" : ""}`, {
      signal: options?.signal,
      waitBudgetMs: options?.waitBudgetMs,
    });
    const tree = body as { tree?: unknown; truncated?: unknown } | null;
    if (!Array.isArray(tree?.tree)) throw new TypeError(`github: GET ${path} did not return a tree`);
    return { entries: tree.tree as TreeEntry[], truncated: tree.truncated === true };
  } catch (error) {
    if (error instanceof SourceHttpError && (error.status === 404 || error.status === 409)) return null;
    throw error;
  }
}

/**
 * A path glob as Ocean matches it (wcmatch with DOTGLOB): `*` within a directory, `**` across
 * directories, and dot files matched like any other.
 *
 * @example
 * globMatcher("**\/port.yml")("services/api/port.yml"); // true
 */
export function globMatcher(pattern: string): (path: string) => boolean {
  return picomatch(pattern, { dot: true });
}
