import { isAbsolute } from "node:path";

/** The names of the sources Tide ships (see `registry.ts`), known without loading them. */
export const BUILT_IN_SOURCE_NAMES = ["github", "http"] as const;

/** Whether a `--source` / `source` reference names a file (rather than a built-in source or a package). */
export function isSourcePath(reference: string): boolean {
  return /^\.{1,2}[\\/]/.test(reference) || isAbsolute(reference) || /\.(m?js|ts)$/.test(reference);
}
