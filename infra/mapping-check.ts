import { compileConfig, loadConfigFile } from "../lib/mapping/index.ts";

/**
 * Refuses a mapping that cannot run: loads the port-app-config.yml the stack bundles and
 * compiles every jq expression with the mapping's own compiler, so `cdk synth` fails (naming
 * the file, the field path and the line) instead of a deployed resync failing later.
 * Asynchronous (jq compiles in WebAssembly), so it is called before the stack is built.
 *
 * @example
 * await assertMappingCompiles("port-app-config.yml"); // throws ConfigError
 * new TideStack(app, "Tide", { configFile: "port-app-config.yml" });
 */
export async function assertMappingCompiles(configFile: string): Promise<void> {
  await compileConfig(await loadConfigFile(configFile));
}
