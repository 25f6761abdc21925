import { createHash, randomBytes } from "node:crypto";

/** A run id that sorts by start time and says when it started: `20261125T103000Z-3f9a1c`. */
export function newRunId(now = new Date()): string {
  const stamp = now
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `${stamp}-${randomBytes(3).toString("hex")}`;
}

/** A short, stable key for a partition name of any length (repository names can be long). */
export function partitionKey(partition: string): string {
  return partition === "" ? "-" : createHash("sha1").update(partition).digest("base64url").slice(0, 12);
}

/** Deterministic, so a page sent again after a crash gets the same batch ids and counts once. */
export function batchId(resource: number, partition: string, seq: number): string {
  return `${resource}:${partitionKey(partition)}:${seq}`;
}
