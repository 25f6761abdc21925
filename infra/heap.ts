import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * V8's heap for a function of `memoryMb`, the one rule the stack, the benchmarks and the tests
 * share: the heap V8 itself picks on a machine with that much memory. V8 sizes its heap from
 * physical memory, but on Lambda it sees the host's, so the runtime passes flags of its own: a
 * tenth of the memory for the young generation (51 MB semi-spaces at 1024 MB, where V8 itself
 * stops at 16) and nine tenths for the old. Semi-spaces that large fill with short-lived page
 * bodies before a scavenge, and an old space that large lets garbage pile up, all of it in RSS.
 * V8's own rule: a quarter of the memory for the old space, 1/128 of that per semi-space.
 *
 * @example
 * heapFlags(1024); // ["--max-old-space-size=256", "--max-semi-space-size=2"]
 */
export function heapFlags(memoryMb: number): string[] {
  const oldSpace = Math.floor(memoryMb / 4);
  const semiSpace = Math.min(16, Math.max(1, Math.floor(oldSpace / 128)));
  return [`--max-old-space-size=${oldSpace}`, `--max-semi-space-size=${semiSpace}`];
}

/**
 * glibc gives each thread that allocates its own arena (64 MB reserved, a dozen MB resident
 * after V8's helper threads free into it); two arenas keep that off the fanout's RSS.
 */
export const MALLOC_ENVIRONMENT = { MALLOC_ARENA_MAX: "2" } as const;

/** The Lambda environment that sizes a function's memory use: NODE_OPTIONS and the allocator's. */
export function memoryEnvironment(memoryMb: number): Record<string, string> {
  return {
    NODE_OPTIONS: ["--enable-source-maps", ...heapFlags(memoryMb)].join(" "),
    AWS_LAMBDA_EXEC_WRAPPER: `/var/task/${HEAP_WRAPPER_NAME}`,
    ...MALLOC_ENVIRONMENT,
  };
}

/** The wrapper script beside `index.mjs` in every function's package. */
export const HEAP_WRAPPER_NAME = "heap-wrapper.sh";

/**
 * Lambda's runtime starts node with `--max-old-space-size` and `--max-semi-space-size` of its own
 * on the command line, which wins over NODE_OPTIONS. The runtime execs AWS_LAMBDA_EXEC_WRAPPER
 * with that command line; this wrapper drops those two flags, so the heap NODE_OPTIONS sets holds.
 */
export const HEAP_WRAPPER = `#!/bin/sh
# Drops the runtime's own V8 heap flags, so that NODE_OPTIONS's (infra/heap.ts) hold.
for arg do
  shift
  case "$arg" in
    --max-old-space-size=*|--max-semi-space-size=*) ;;
    *) set -- "$@" "$arg" ;;
  esac
done
exec "$@"
`;

/** Writes {@link HEAP_WRAPPER} into a function's package directory, executable. */
export function writeHeapWrapper(dir: string): string {
  const path = join(dir, HEAP_WRAPPER_NAME);
  writeFileSync(path, HEAP_WRAPPER);
  chmodSync(path, 0o755);
  return path;
}
