import { enumerateKind } from "./enumerate.ts";
import { getKind } from "./kinds.ts";
import { resolveSettings } from "./settings.ts";
import type { SourceDefinition } from "./types.ts";

export interface ListKindOptions {
  /** Where settings are read (default: `process.env`). */
  env?: Record<string, string | undefined>;
  /** The resource's selector, as in port-app-config (without `query`). */
  selector?: Record<string, unknown>;
}

/**
 * Every raw item of one kind of a source, as a resync lists them (every partition, every
 * page): what a source's own test checks.
 *
 * @example
 * const users = await listKind(usersApi, "user", { env: { USERS_API_URL: server.url } });
 * assert.equal(users.length, 3);
 * @throws {SettingsError} when a setting is missing or invalid.
 */
export async function listKind(
  definition: SourceDefinition,
  kind: string,
  options: ListKindOptions = {},
): Promise<unknown[]> {
  const source = definition.create(resolveSettings(definition, options.env ?? process.env));
  try {
    const items: unknown[] = [];
    await enumerateKind(getKind(source, kind), {
      selector: options.selector,
      onPage: (page) => {
        items.push(...page.items);
      },
    });
    return items;
  } finally {
    await source.close?.();
  }
}
