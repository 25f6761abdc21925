import { createHash } from "node:crypto";
import type { FakeOrg } from "./model.ts";
import type { Json } from "./objects.ts";

/**
 * Repository files, as GitHub's REST API serves them: the git tree of a branch
 * (`/git/trees/{branch}`, top level or `recursive`), a file or directory through the contents
 * API (`/contents/{path}?ref=`, base64 in lines of 60 as GitHub sends it; a file over 1 MB
 * without its content, `encoding: "none"`), and blobs (`/git/blobs/{sha}`). A repository
 * without any file is empty: 409, as on GitHub. Checked against the OpenAPI description in
 * openapi.test.ts.
 */
type Send = (status: number, body: unknown, headers?: Record<string, string>) => void;

const ONE_MB = 1024 * 1024;
const WEB = "https://github.com";
const NOT_FOUND = { message: "Not Found", documentation_url: "https://docs.github.com/rest" };

/** Files per repository and branch; blobs by their git sha. */
export class FakeContents {
  readonly #org: FakeOrg;
  /** repo → branch → path → text */
  readonly #files = new Map<string, Map<string, Map<string, string>>>();
  readonly #blobs = new Map<string, string>();

  constructor(org: FakeOrg) {
    this.#org = org;
  }

  /** Writes a file (default branch `main`); creates the branch with it. */
  put(repo: string, path: string, text: string, branch = "main"): void {
    if (!this.#org.findRepo(repo).repo) throw new Error(`fake GitHub: no repository ${repo}`);
    const branches = this.#files.get(repo) ?? new Map<string, Map<string, string>>();
    const files = branches.get(branch) ?? new Map<string, string>();
    files.set(path.replace(/^\/+/, ""), text);
    branches.set(branch, files);
    this.#files.set(repo, branches);
    this.#blobs.set(blobSha(text), text);
    this.#org.version += 1;
  }

  remove(repo: string, path: string, branch = "main"): void {
    this.#files.get(repo)?.get(branch)?.delete(path);
    this.#org.version += 1;
  }

  /** A branch's files, or undefined for a branch that does not exist. */
  files(repo: string, branch: string): Map<string, string> | undefined {
    return this.#files.get(repo)?.get(branch);
  }

  isEmpty(repo: string): boolean {
    return [...(this.#files.get(repo)?.values() ?? [])].every((files) => files.size === 0);
  }

  blob(sha: string): string | undefined {
    return this.#blobs.get(sha);
  }
}

/** Answers the route if it is a tree, contents or blob read; false otherwise. */
export function serveContentRoute(
  contents: FakeContents,
  org: FakeOrg,
  url: URL,
  method: string,
  headers: Record<string, string>,
  send: Send,
): boolean {
  const match = /^\/repos\/([^/]+)\/([^/]+)\/(git\/trees|git\/blobs|contents)(?:\/(.*))?$/.exec(url.pathname);
  if (!match || method !== "GET") return false;
  const [, owner, rawName, what, rawRest] = match as unknown as [
    string,
    string,
    string,
    string,
    string | undefined,
  ];
  const name = decodeURIComponent(rawName);
  const repo = owner.toLowerCase() === org.login.toLowerCase() ? org.findRepo(name).repo : undefined;
  if (!repo) {
    send(404, NOT_FOUND, headers);
    return true;
  }
  const rest = rawRest === undefined ? "" : rawRest.split("/").map(decodeURIComponent).join("/");
  const api = `${org.apiUrl}/repos/${org.login}/${repo.name}`;
  if (contents.isEmpty(repo.name) && what !== "contents") {
    send(
      409,
      { message: "Git Repository is empty.", documentation_url: "https://docs.github.com/rest" },
      headers,
    );
    return true;
  }
  if (what === "git/blobs") {
    const text = contents.blob(rest);
    if (text === undefined) send(404, NOT_FOUND, headers);
    else {
      const content = base64Lines(text);
      send(
        200,
        {
          sha: rest,
          node_id: `B_${rest.slice(0, 12)}`,
          size: Buffer.byteLength(text),
          url: `${api}/git/blobs/${rest}`,
          content,
          encoding: "base64",
        },
        headers,
      );
    }
    return true;
  }
  if (what === "git/trees") {
    const files = contents.files(repo.name, rest);
    if (!files) {
      send(
        404,
        { message: "Not Found", documentation_url: "https://docs.github.com/rest/git/trees#get-a-tree" },
        headers,
      );
      return true;
    }
    const recursive = url.searchParams.has("recursive");
    const entries = treeEntries(files, api).filter((e) => recursive || !String(e.path).includes("/"));
    send(
      200,
      {
        sha: treeSha(files, ""),
        url: `${api}/git/trees/${treeSha(files, "")}`,
        tree: entries,
        truncated: false,
      },
      headers,
    );
    return true;
  }
  // contents
  const ref = url.searchParams.get("ref") ?? "main";
  const files = contents.files(repo.name, ref);
  const text = files?.get(rest);
  if (
    !files ||
    (text === undefined && rest !== "" && ![...files.keys()].some((p) => p.startsWith(`${rest}/`)))
  ) {
    send(
      404,
      {
        message: "Not Found",
        documentation_url: "https://docs.github.com/rest/repos/contents#get-repository-content",
      },
      headers,
    );
    return true;
  }
  if (text === undefined) {
    const prefix = rest === "" ? "" : `${rest}/`;
    const children = treeEntries(files, api).filter(
      (e) => String(e.path).startsWith(prefix) && !String(e.path).slice(prefix.length).includes("/"),
    );
    send(
      200,
      children.map((e) =>
        entryJson(api, org, repo.name, ref, String(e.path), e.type === "tree" ? "dir" : "file", e),
      ),
      headers,
    );
    return true;
  }
  const size = Buffer.byteLength(text);
  const entry = entryJson(api, org, repo.name, ref, rest, "file", { sha: blobSha(text), size });
  send(
    200,
    {
      ...entry,
      content: size > ONE_MB ? "" : base64Lines(text),
      encoding: size > ONE_MB ? "none" : "base64",
    },
    headers,
  );
  return true;
}

function entryJson(
  api: string,
  org: FakeOrg,
  repo: string,
  ref: string,
  path: string,
  type: string,
  e: Json,
): Json {
  const sha = String(e.sha);
  const self = `${api}/contents/${path}?ref=${ref}`;
  const html = `${WEB}/${org.login}/${repo}/${type === "dir" ? "tree" : "blob"}/${ref}/${path}`;
  const git = `${api}/git/${type === "dir" ? "trees" : "blobs"}/${sha}`;
  return {
    type,
    size: type === "dir" ? 0 : Number(e.size ?? 0),
    name: path.slice(path.lastIndexOf("/") + 1),
    path,
    sha,
    url: self,
    git_url: git,
    html_url: html,
    download_url:
      type === "dir" ? null : `https://raw.githubusercontent.com/${org.login}/${repo}/${ref}/${path}`,
    _links: { self, git, html },
  };
}

/** Every blob and (implied) directory of a branch, sorted by path as git lists them. */
function treeEntries(files: Map<string, string>, api: string): Json[] {
  const dirs = new Set<string>();
  for (const path of files.keys()) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
  }
  const entries: Json[] = [];
  for (const dir of dirs) {
    const sha = treeSha(files, dir);
    entries.push({ path: dir, mode: "040000", type: "tree", sha, url: `${api}/git/trees/${sha}` });
  }
  for (const [path, text] of files) {
    const sha = blobSha(text);
    entries.push({
      path,
      mode: "100644",
      type: "blob",
      sha,
      size: Buffer.byteLength(text),
      url: `${api}/git/blobs/${sha}`,
    });
  }
  return entries.sort((a, b) => (String(a.path) < String(b.path) ? -1 : 1));
}

/** Git's blob id: sha1 of `blob <size>\0<content>`. */
function blobSha(text: string): string {
  return createHash("sha1")
    .update(`blob ${Buffer.byteLength(text)}\0`)
    .update(text)
    .digest("hex");
}

function treeSha(files: Map<string, string>, dir: string): string {
  const hash = createHash("sha1").update(`tree ${dir}\0`);
  for (const [path, text] of files)
    if (dir === "" || path.startsWith(`${dir}/`)) hash.update(`${path}\0${text}`);
  return hash.digest("hex");
}

/** Base64 in lines of 60 characters, each ending in a newline, as GitHub sends file contents. */
function base64Lines(text: string): string {
  const b64 = Buffer.from(text, "utf8").toString("base64");
  return `${b64.match(/.{1,60}/g)?.join("\n") ?? ""}\n`;
}
