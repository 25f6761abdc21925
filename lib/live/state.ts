/** The last change applied to an object: its version (`updated_at`, ms) and whether it was a deletion. */
export interface AppliedVersion {
  version: number;
  gone: boolean;
}

/**
 * What makes live events idempotent and ordered: the deliveries already applied (each with a
 * time to live), and per object the newest version applied. DynamoDB (the run table) in AWS,
 * memory locally.
 */
export interface LiveState {
  /** True when this `X-GitHub-Delivery` was applied already. */
  wasApplied(deliveryId: string): Promise<boolean>;
  markApplied(deliveryId: string): Promise<void>;
  /** The newest version applied to an object, if any is remembered. */
  lastVersion(key: string): Promise<AppliedVersion | undefined>;
  /** Remembers a version, unless a newer one is remembered already. */
  recordVersion(key: string, applied: AppliedVersion): Promise<void>;
}

/** How long a delivery id is remembered: GitHub lets a delivery be redelivered for 3 days. */
export const DELIVERY_TTL_MS = 7 * 24 * 3_600_000;
/** How long an object's last version is remembered. */
export const VERSION_TTL_MS = 30 * 24 * 3_600_000;

/**
 * Whether an event about an object is older than what was applied: an older version is, and
 * so is the same version after a deletion (a deleted object does not come back at that version).
 */
export function isStale(version: number | undefined, last: AppliedVersion | undefined): boolean {
  if (version === undefined || last === undefined) return false;
  return version < last.version || (version === last.version && last.gone);
}

/** {@link LiveState} in memory, for `tide serve --local` and tests. */
export class MemoryLiveState implements LiveState {
  readonly #deliveries = new Map<string, number>();
  readonly #versions = new Map<string, AppliedVersion & { expiresAt: number }>();
  readonly #now: () => number;

  constructor(options: { now?: () => number } = {}) {
    this.#now = options.now ?? Date.now;
  }

  async wasApplied(deliveryId: string): Promise<boolean> {
    const expiresAt = this.#deliveries.get(deliveryId);
    return expiresAt !== undefined && expiresAt > this.#now();
  }

  async markApplied(deliveryId: string): Promise<void> {
    const now = this.#now();
    this.#deliveries.set(deliveryId, now + DELIVERY_TTL_MS);
    // Forget expired deliveries now and then, so a long-running server stays small.
    if (this.#deliveries.size % 1024 === 0) {
      for (const [id, expiresAt] of this.#deliveries) if (expiresAt <= now) this.#deliveries.delete(id);
    }
  }

  async lastVersion(key: string): Promise<AppliedVersion | undefined> {
    const found = this.#versions.get(key);
    if (!found || found.expiresAt <= this.#now()) return undefined;
    return { version: found.version, gone: found.gone };
  }

  async recordVersion(key: string, applied: AppliedVersion): Promise<void> {
    const last = await this.lastVersion(key);
    if (last && last.version > applied.version) return;
    this.#versions.set(key, { ...applied, expiresAt: this.#now() + VERSION_TTL_MS });
  }
}
