/** What this integration last wrote for an entity: its content hash and when. */
export interface WrittenHash {
  hash: string;
  writtenAt: number;
  /**
   * Where the source listed it (its kind and partition), so reconciliation can look at just
   * that partition again to confirm the entity is gone. Absent for entities written before.
   */
  origin?: ItemOrigin;
}

/** The kind and partition ("" when the kind has none) a raw item was listed under. */
export interface ItemOrigin {
  kind: string;
  partition: string;
}

/**
 * Content hashes of the entities this integration wrote, so a resync of unchanged data
 * sends Port (almost) nothing. Kept beside the run table; keyed by integration and blueprint.
 */
export interface ContentHashes {
  get(integrationId: string, blueprint: string, identifiers: string[]): Promise<Map<string, WrittenHash>>;
  put(
    integrationId: string,
    blueprint: string,
    written: Array<{ identifier: string } & WrittenHash>,
  ): Promise<void>;
  delete(integrationId: string, blueprint: string, identifiers: string[]): Promise<void>;
}
