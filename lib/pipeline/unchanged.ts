import { createHash } from "node:crypto";
import type { Entity } from "../port/entity.ts";
import type { UpsertOptions } from "./contracts/index.ts";

/** A full rewrite at least this often, so an edit made in Port by hand is repaired. */
export const DEFAULT_REWRITE_AFTER_MS = 24 * 60 * 60_000;

/**
 * The hash of what an upsert would send: the entity as mapped and the options it is sent
 * with (a switch from merge to replace must rewrite).
 */
export function contentHash(entity: Entity, options: UpsertOptions): string {
  return createHash("sha256")
    .update(JSON.stringify([entity, options.merge, options.createMissingRelatedEntities]))
    .digest("base64url")
    .slice(0, 22);
}
