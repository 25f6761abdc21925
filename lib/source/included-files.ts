import type { FileRequest, Kind, Page, Source } from "./types.ts";

/** The key under which an item carries its files (Ocean's name, from its `includedFiles` selector). */
export const INCLUDED_FILES = "__includedFiles";

/**
 * A kind whose items carry the repository files `paths` as `__includedFiles`
 * (`{ "README.md": "…", "CODEOWNERS": null }`), read with the source's `readFile` while the
 * kind is listed — so the mapping (`file://README.md`, `.__includedFiles["README.md"]`) needs
 * no access to the source, in Lambda or locally. Without `paths`, the kind itself.
 *
 * @example
 * const repos = withIncludedFiles(source, getKind(source, "repository"), ["README.md"]);
 * for await (const page of repos.pages()) page.items[0].__includedFiles["README.md"];
 * @throws {Error} when `paths` is not empty and the source cannot read files.
 */
export function withIncludedFiles(source: Source, kind: Kind, paths: readonly string[]): Kind {
  if (paths.length === 0) return kind;
  const readFile = source.readFile?.bind(source);
  if (!readFile) {
    throw new Error(
      `the ${source.name} source cannot read repository files (file:// values, includedFiles: ${paths.join(", ")})`,
    );
  }
  const wrapped: Kind = {
    name: kind.name,
    async *pages(options = {}) {
      const { signal, waitBudgetMs } = options;
      for await (const page of kind.pages(options)) {
        // Every file of every item of the page at once: the client caps requests in flight.
        const items = await Promise.all(
          page.items.map((item) =>
            attachFiles(item, paths, (request) => readFile(request, { signal, waitBudgetMs })),
          ),
        );
        yield { items, cursor: page.cursor } satisfies Page;
      }
    },
  };
  if (kind.partitions) wrapped.partitions = kind.partitions.bind(kind);
  return wrapped;
}

/**
 * One item with the files `paths` of its repository attached as `__includedFiles` (a copy;
 * an item that is not an object is returned as it is). For a single item outside a listing,
 * e.g. the object a live event names.
 *
 * @example
 * const repo = await attachFiles(item, ["README.md"], (request) => source.readFile(request));
 */
export async function attachFiles(
  item: unknown,
  paths: readonly string[],
  readFile: (request: FileRequest) => Promise<string | null>,
): Promise<unknown> {
  if (paths.length === 0 || item === null || typeof item !== "object" || Array.isArray(item)) return item;
  const files: Record<string, string | null> = {
    ...((item as Record<string, unknown>)[INCLUDED_FILES] as Record<string, string | null> | undefined),
  };
  await Promise.all(
    paths.map(async (path) => {
      files[path] = await readFile({ item, path });
    }),
  );
  return { ...item, [INCLUDED_FILES]: files };
}
