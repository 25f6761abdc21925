import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  // A source module's `import "tide-port"` is the Tide that loads it: at run time a Node resolve
  // hook does that (lib/source/load.ts); modules imported in-process by tests go through
  // Vitest's own resolver, which needs the same answer here.
  resolve: { alias: { "tide-port": fileURLToPath(new URL("./lib/index.ts", import.meta.url)) } },
  test: {
    include: ["test/**/*.test.ts", "infra/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Integration suites start their own servers on random ports, so files may run in parallel.
    pool: "forks",
  },
});
