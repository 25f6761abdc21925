import type { ContentHashes, WrittenHash } from "../pipeline/contracts/index.ts";

/** Content hashes in memory: for local runs and tests (a process's later runs skip unchanged entities). */
export class MemoryContentHashes implements ContentHashes {
  readonly #hashes: Map<string, WrittenHash>;

  /** @param saved what {@link entries} returned earlier (a local state file keeps it between runs). */
  constructor(saved: Iterable<[string, WrittenHash]> = []) {
    this.#hashes = new Map(saved);
  }

  /** Every hash, to save: the input of the constructor. */
  entries(): Array<[string, WrittenHash]> {
    return [...this.#hashes.entries()];
  }

  async get(
    integrationId: string,
    blueprint: string,
    identifiers: string[],
  ): Promise<Map<string, WrittenHash>> {
    const found = new Map<string, WrittenHash>();
    for (const identifier of identifiers) {
      const hash = this.#hashes.get(key(integrationId, blueprint, identifier));
      if (hash) found.set(identifier, structuredClone(hash));
    }
    return found;
  }

  async put(integrationId: string, blueprint: string, written: Array<{ identifier: string } & WrittenHash>) {
    for (const { identifier, hash, writtenAt, origin } of written) {
      this.#hashes.set(key(integrationId, blueprint, identifier), {
        hash,
        writtenAt,
        ...(origin ? { origin: { ...origin } } : {}),
      });
    }
  }

  async delete(integrationId: string, blueprint: string, identifiers: string[]): Promise<void> {
    for (const identifier of identifiers) this.#hashes.delete(key(integrationId, blueprint, identifier));
  }
}

const key = (integrationId: string, blueprint: string, identifier: string) =>
  JSON.stringify([integrationId, blueprint, identifier]);
