import { posix } from "node:path";
import { parse as parseYaml } from "yaml";
import { PartitionRequiredError } from "../../errors.ts";
import type { CallOptions, Cursor, Kind, PageOptions } from "../../types.ts";
import { encodePath, readFileContent } from "../file-content.ts";
import { globMatcher, readTree } from "../tree.ts";
import {
  type PathPattern,
  patternRepos,
  patternsFor,
  readPatterns,
  readRepository,
} from "./repo-selection.ts";
import type { GitHubKindContext } from "./shared.ts";

/** Ocean skips files over 1 MB (they are not catalog files); so does Tide. */
const MAX_FILE_BYTES = 1024 * 1024;
const FILES_PER_PAGE = 20;
const FILE_REF = "file://";

interface Target {
  /** The position of its pattern among those that apply to the repository: the cursor's `p`. */
  p: number;
  path: string;
  size: number;
  sha: string;
  branch: string;
  skipParsing: boolean;
}

/**
 * `file`: the files of repositories that match Ocean's `files` selector — `[{ path, repos?:
 * [{ name, branch? }], skipParsing? }]`, `path` a glob (`**` across directories) — one
 * partition per repository (all of the org's when an entry names none). Found in the branch's
 * recursive git tree, read through the contents API. As in Ocean, `.json`, `.yaml` and `.yml`
 * content is parsed (unless `skipParsing`), and a top-level `file://` value in it is replaced by
 * the parsed content of that file (relative to the file's directory): the monorepo
 * catalog-as-code pattern, with `itemsToParse` turning one file into many entities.
 *
 * An item: `{ organization, content, repository, branch, path, name, metadata: { url, path,
 * size, sha } }`, `repository` being `GET /repos/{org}/{repo}`. Needs "Contents: read".
 *
 * @example
 * // - kind: file
 * //   selector: { query: "true", files: [{ path: "**\/port.yml" }] }
 */
export function fileKind(ctx: GitHubKindContext): Kind {
  const name = "file";
  const patternsOf = (options: CallOptions) => readPatterns(name, options.selector, "files", ctx.org);
  return {
    name,
    partitions: (options: CallOptions = {}) => patternRepos(ctx, name, patternsOf(options), options),
    async *pages(options: PageOptions = {}) {
      const repoName = options.partition;
      if (repoName === undefined) throw new PartitionRequiredError(name);
      const patterns = patternsOf(options);
      const after = readCursor(options.cursor);
      const { repository, unreadable } = await readRepository(ctx, name, repoName, options);
      if (unreadable !== undefined) {
        yield { items: [], cursor: null, unreadable };
        return;
      }
      const targets = repository ? await findFiles(ctx, repoName, repository, patterns, options) : [];
      const rest = targets.filter((t) => !after || t.p > after.p || (t.p === after.p && t.path > after.path));
      if (rest.length === 0) {
        yield { items: [], cursor: null };
        return;
      }
      for (let i = 0; i < rest.length; i += FILES_PER_PAGE) {
        const slice = rest.slice(i, i + FILES_PER_PAGE);
        const read = await Promise.all(
          slice.map((t) => fileItem(ctx, repoName, repository as Record<string, unknown>, t, options)),
        );
        const last = slice[slice.length - 1] as Target;
        const cursor = i + FILES_PER_PAGE < rest.length ? { p: last.p, path: last.path } : null;
        yield { items: read.filter((item) => item !== undefined), cursor };
      }
    },
  };
}

function readCursor(cursor: Cursor | undefined): { p: number; path: string } | undefined {
  if (cursor === undefined) return undefined;
  const c = cursor as { p?: unknown; path?: unknown };
  if (typeof c !== "object" || typeof c.p !== "number" || typeof c.path !== "string") {
    throw new TypeError(`kind file: a cursor is { p, path }, not ${JSON.stringify(cursor)}`);
  }
  return { p: c.p, path: c.path };
}

async function findFiles(
  ctx: GitHubKindContext,
  repo: string,
  repository: Record<string, unknown>,
  patterns: PathPattern[],
  options: CallOptions,
): Promise<Target[]> {
  const defaultBranch = String(repository.default_branch ?? "main");
  const trees = new Map<string, ReturnType<typeof readTree>>();
  const targets: Target[] = [];
  for (const [p, pattern] of patternsFor(patterns, repo, defaultBranch).entries()) {
    let tree = trees.get(pattern.branch);
    if (!tree) {
      tree = readTree(ctx.client, { owner: ctx.org, repo, ref: pattern.branch, recursive: true }, options);
      trees.set(pattern.branch, tree);
    }
    const read = await tree;
    if (!read) continue;
    if (read.truncated) {
      ctx.warn(
        `github: kind file: the tree of ${ctx.org}/${repo}@${pattern.branch} is too large for GitHub to list whole: files past its cut are not found`,
        { repository: repo, kind: "file" },
      );
    }
    const matches = globMatcher(pattern.path);
    const found = read.entries
      .filter((e) => e.type === "blob" && matches(e.path))
      .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const entry of found) {
      if ((entry.size ?? 0) > MAX_FILE_BYTES) {
        ctx.warn(`github: kind file: ${ctx.org}/${repo}:${entry.path} is over 1 MB: skipped`, {
          repository: repo,
          kind: "file",
          path: entry.path,
          size: entry.size,
        });
        continue;
      }
      const { branch, skipParsing } = pattern;
      targets.push({ p, path: entry.path, size: entry.size ?? 0, sha: entry.sha, branch, skipParsing });
    }
  }
  return targets;
}

async function fileItem(
  ctx: GitHubKindContext,
  repo: string,
  repository: Record<string, unknown>,
  target: Target,
  options: CallOptions,
): Promise<Record<string, unknown> | undefined> {
  const at = { owner: ctx.org, repo, path: target.path, ref: target.branch };
  const text = await readFileContent(ctx.client, at, options);
  if (text === null) return undefined; // deleted since the tree was read
  const url = `${ctx.client.apiUrl}/repos/${ctx.org}/${repo}/contents/${encodePath(target.path)}?ref=${encodeURIComponent(target.branch)}`;
  return shapeFileItem({
    organization: ctx.org,
    repository,
    branch: target.branch,
    path: target.path,
    text,
    metadata: { url, path: target.path, size: target.size, sha: target.sha },
    parse: !target.skipParsing,
    read: (path) => readFileContent(ctx.client, { ...at, path }, options),
    warn: (message, path = target.path) =>
      ctx.warn(`github: kind file: ${ctx.org}/${repo}:${path}@${target.branch}: ${message}`, {
        repository: repo,
        kind: "file",
        path,
      }),
  });
}

/**
 * A `file` item as Ocean shapes it, from a file's text: parsed (JSON, YAML) unless told not to,
 * its top-level `file://` values read with `read` (a path in the same repository and branch).
 * Used by the resync and by live events (a push), so both give the same item.
 */
export async function shapeFileItem(file: {
  organization: string;
  repository: Record<string, unknown>;
  branch: string;
  path: string;
  text: string;
  metadata: { url: string; path: string; size: number; sha: string };
  parse: boolean;
  read: (path: string) => Promise<string | null>;
  warn: (message: string, path?: string) => void;
}): Promise<Record<string, unknown>> {
  let content: unknown = file.text;
  if (file.parse) {
    content = parseContent(file.text, file.path, (m) => file.warn(m));
    content = await resolveFileRefs(file.path, content, file.read, file.warn);
  }
  return {
    organization: file.organization,
    content,
    repository: file.repository,
    branch: file.branch,
    path: file.path,
    name: posix.basename(file.path),
    metadata: file.metadata,
  };
}

/** Why a file is not one the `files` selector asks for (live events); undefined when it is. */
export function fileMismatch(
  item: Record<string, unknown>,
  selector: Record<string, unknown>,
): string | undefined {
  const repository = (item.repository ?? {}) as { name?: unknown; default_branch?: unknown };
  const repo = String(repository.name ?? "");
  const path = String(item.path ?? "");
  const patterns = readPatterns("file", selector, "files", String(item.organization ?? ""));
  const wanted = patternsFor(patterns, repo, String(repository.default_branch ?? "main")).some(
    (p) => p.branch === item.branch && globMatcher(p.path)(path),
  );
  return wanted ? undefined : `${repo}:${path}@${String(item.branch)} matches no path of selector.files`;
}

/**
 * JSON or YAML by the file's extension, as Ocean parses; anything else as text. Content that
 * does not parse stays text, as in Ocean, and is reported with the parser's line.
 */
export function parseContent(text: string, path: string, warn: (message: string) => void): unknown {
  try {
    if (path.endsWith(".json")) return JSON.parse(text);
    if (path.endsWith(".yaml") || path.endsWith(".yml")) return parseYaml(text);
  } catch (error) {
    warn(
      `not valid ${path.endsWith(".json") ? "JSON" : "YAML"}, kept as text: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  return text;
}

/** Ocean's `file://` values inside a parsed file: each top-level value (of an object, or of each object of a list). */
async function resolveFileRefs(
  filePath: string,
  content: unknown,
  read: (path: string) => Promise<string | null>,
  warn: (message: string, path?: string) => void,
): Promise<unknown> {
  const dir = posix.dirname(filePath);
  const resolve = async (value: unknown): Promise<unknown> => {
    if (typeof value !== "string" || !value.startsWith(FILE_REF)) return value;
    const relative = value.slice(FILE_REF.length);
    const path = dir === "." ? relative : posix.join(dir, relative);
    const text = await read(path);
    if (text === null) {
      warn(`${value}: no such file (${path}), set to ""`, filePath);
      return "";
    }
    return parseContent(text, path, (m) => warn(m, path));
  };
  const resolveObject = async (object: unknown): Promise<unknown> => {
    if (typeof object !== "object" || object === null || Array.isArray(object)) return object;
    const entries = await Promise.all(
      Object.entries(object).map(async ([key, value]) => [key, await resolve(value)] as const),
    );
    return Object.fromEntries(entries);
  };
  if (Array.isArray(content)) return Promise.all(content.map(resolveObject));
  return resolveObject(content);
}
