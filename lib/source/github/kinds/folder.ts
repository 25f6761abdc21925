import { PartitionRequiredError } from "../../errors.ts";
import type { CallOptions, Kind, PageOptions } from "../../types.ts";
import { globMatcher, readTree } from "../tree.ts";
import { patternRepos, patternsFor, readPatterns, readRepository } from "./repo-selection.ts";
import type { GitHubKindContext } from "./shared.ts";

/**
 * `folder`: the directories of repositories that match Ocean's `folders` selector — `[{ path,
 * repos: [{ name, branch? }] }]`, `path` a glob (default `*`: the top level) — one partition
 * per repository. Read from the branch's git tree: only the top level for `*` or a plain name,
 * the whole tree (`recursive`) for a path with `/` or a glob. An item, as in Ocean:
 * `{ folder: <tree entry: path, mode, type, sha, url>, __repository: <GET /repos/{org}/{repo}>,
 * __organization, __branch }`. Needs "Contents: read".
 *
 * @example
 * // - kind: folder
 * //   selector: { query: "true", folders: [{ path: "apps/*", repos: [{ name: monorepo }] }] }
 */
export function folderKind(ctx: GitHubKindContext): Kind {
  const name = "folder";
  const patternsOf = (options: CallOptions) => readPatterns(name, options.selector, "folders", ctx.org, "*");
  return {
    name,
    partitions: (options: CallOptions = {}) => patternRepos(ctx, name, patternsOf(options), options),
    async *pages(options: PageOptions = {}) {
      const repoName = options.partition;
      if (repoName === undefined) throw new PartitionRequiredError(name);
      const from = options.cursor ?? 0;
      if (typeof from !== "number") {
        throw new TypeError(
          `kind folder: a cursor is the next pattern's number, not ${JSON.stringify(from)}`,
        );
      }
      const { repository, unreadable } = await readRepository(ctx, name, repoName, options);
      if (unreadable !== undefined) {
        yield { items: [], cursor: null, unreadable };
        return;
      }
      const applying = repository
        ? patternsFor(patternsOf(options), repoName, String(repository.default_branch ?? "main"))
        : [];
      if (from >= applying.length) {
        yield { items: [], cursor: null };
        return;
      }
      for (let p = from; p < applying.length; p++) {
        const { path, branch } = applying[p] as (typeof applying)[number];
        const recursive = path !== "" && path !== "*" && (path.includes("*") || path.includes("/"));
        const tree = await readTree(
          ctx.client,
          { owner: ctx.org, repo: repoName, ref: branch, recursive },
          options,
        );
        const matches = path === "" || path === "*" ? () => true : globMatcher(path);
        const items = (tree?.entries ?? [])
          .filter((entry) => entry.type === "tree" && matches(entry.path))
          .map((folder) => ({ folder, __repository: repository, __organization: ctx.org, __branch: branch }));
        yield { items, cursor: p + 1 < applying.length ? p + 1 : null };
      }
    },
  };
}
