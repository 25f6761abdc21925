/** Deterministic randomness for the fake: the same seed and keys always give the same value. */

/** A uniform float in [0, 1) from a seed and any number of integer keys (a splitmix-style hash). */
export function hashUnit(seed: number, ...keys: number[]): number {
  let h = (seed ^ 0x9e3779b9) >>> 0;
  for (const key of keys) {
    h = Math.imul(h ^ (key >>> 0), 0x85ebca6b) >>> 0;
    h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0;
    h = (h ^ (h >>> 16)) >>> 0;
    h = (h + Math.floor(key / 2 ** 32)) >>> 0;
  }
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) >>> 0;
  h = Math.imul(h ^ (h >>> 12), 0x297a2d39) >>> 0;
  return ((h ^ (h >>> 15)) >>> 0) / 2 ** 32;
}

export function pick<T>(list: readonly T[], unit: number): T {
  return list[Math.floor(unit * list.length) % list.length] as T;
}

/** A stream of floats in [0, 1) (mulberry32), for faults drawn one request at a time. */
export function stream(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const ADJECTIVES = [
  "amber",
  "brave",
  "calm",
  "daring",
  "eager",
  "fancy",
  "gentle",
  "happy",
  "icy",
  "jolly",
  "keen",
  "lively",
  "mellow",
  "nimble",
  "odd",
  "proud",
  "quick",
  "rapid",
  "silent",
  "tidy",
  "urban",
  "vivid",
  "witty",
  "young",
  "zesty",
  "bold",
  "crisp",
  "dusty",
  "frosty",
  "golden",
] as const;

export const NOUNS = [
  "api",
  "gateway",
  "billing",
  "catalog",
  "checkout",
  "search",
  "ledger",
  "portal",
  "worker",
  "scheduler",
  "auth",
  "inventory",
  "payments",
  "notifier",
  "reports",
  "metrics",
  "router",
  "cache",
  "frontend",
  "mobile",
  "pipeline",
  "importer",
  "exporter",
  "webhooks",
  "console",
  "docs",
  "sdk",
  "cli",
  "infra",
  "analytics",
] as const;

export const LANGUAGES = ["TypeScript", "Python", "Go", "Java", "Rust", "Kotlin", "Ruby", null] as const;
export const TOPICS = ["backend", "frontend", "platform", "internal", "payments", "data", "infra", "mobile"];
export const PEOPLE = [
  "alice",
  "bob",
  "carol",
  "dave",
  "erin",
  "frank",
  "grace",
  "heidi",
  "ivan",
  "judy",
  "mallory",
  "niaj",
  "olivia",
  "peggy",
  "rupert",
  "sybil",
  "trent",
  "victor",
  "walter",
  "yasmin",
] as const;
export const LABELS = ["bug", "enhancement", "documentation", "dependencies", "good first issue", "security"];
