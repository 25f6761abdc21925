import { createHash } from "node:crypto";
import type { Repo } from "./objects.ts";

/**
 * `GET /repos/{owner}/{repo}/contents/{path}` as GitHub answers it, for the files tests put in
 * a repository: a file as `content-file` (base64, with GitHub's line breaks every 60
 * characters), a folder as a list of `content-directory` entries, 404 for anything else or
 * a `ref` that is not the default branch, and a file over 1 MB without its content
 * (`encoding: "none"`, `content: ""`), as GitHub does.
 */

const DEFAULT_BRANCH = "main";
const MAX_CONTENT_BYTES = 1024 * 1024;

export type ContentsAnswer = { status: 200; body: unknown } | { status: 404; body: { message: string } };

export function contentsAnswer(
  apiUrl: string,
  owner: string,
  repo: Repo,
  path: string,
  ref: string | null,
): ContentsAnswer {
  const notFound = { status: 404, body: { message: "Not Found" } } as const;
  if (ref !== null && ref !== DEFAULT_BRANCH) return notFound;
  const files = repo.files ?? new Map<string, string>();
  const clean = path.replace(/^\/+|\/+$/g, "");
  const content = files.get(clean);
  if (content !== undefined) return { status: 200, body: fileJson(apiUrl, owner, repo.name, clean, content) };
  const inside = [...files.keys()].filter((p) => p.startsWith(`${clean}/`));
  if (inside.length === 0) return notFound;
  const names = [...new Set(inside.map((p) => p.slice(clean.length + 1).split("/")[0] as string))];
  return {
    status: 200,
    body: names.map((name) => {
      const child = `${clean}/${name}`;
      const text = files.get(child);
      const entry = links(apiUrl, owner, repo.name, child, text === undefined ? "tree" : "blob");
      return {
        type: text === undefined ? "dir" : "file",
        size: text === undefined ? 0 : bytes(text),
        name,
        path: child,
        sha: sha(child + (text ?? "")),
        ...entry,
      };
    }),
  };
}

function fileJson(apiUrl: string, owner: string, repo: string, path: string, text: string) {
  const size = bytes(text);
  const large = size > MAX_CONTENT_BYTES;
  return {
    type: "file",
    encoding: large ? "none" : "base64",
    size,
    name: path.slice(path.lastIndexOf("/") + 1),
    path,
    content: large
      ? ""
      : `${(
          Buffer.from(text, "utf8")
            .toString("base64")
            .match(/.{1,60}/g) ?? [""]
        ).join("\n")}\n`,
    sha: sha(text),
    ...links(apiUrl, owner, repo, path, "blob"),
  };
}

function links(apiUrl: string, owner: string, repo: string, path: string, kind: "blob" | "tree") {
  const url = `${apiUrl}/repos/${owner}/${repo}/contents/${path}?ref=${DEFAULT_BRANCH}`;
  const html = `https://github.com/${owner}/${repo}/${kind}/${DEFAULT_BRANCH}/${path}`;
  const git = `${apiUrl}/repos/${owner}/${repo}/git/${kind === "blob" ? "blobs" : "trees"}/${sha(path)}`;
  return {
    url,
    git_url: git,
    html_url: html,
    download_url:
      kind === "blob" ? `https://raw.githubusercontent.com/${owner}/${repo}/${DEFAULT_BRANCH}/${path}` : null,
    _links: { self: url, git, html },
  };
}

function bytes(text: string): number {
  return Buffer.byteLength(text, "utf8");
}

function sha(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
