/** Which part of Port's API a request went to, for request counts. */
export type RouteKind = "auth" | "upsert" | "search" | "delete" | "blueprint" | "integration" | "other";

/** What a client has sent so far. */
export interface PortStats {
  /** HTTP requests sent by route kind, retries included. */
  requests: Record<RouteKind, number>;
  /** Requests sent again after a 408/429/5xx, a timeout or a reset. */
  retries: number;
  /** All HTTP requests sent, retries included. */
  total: number;
}

export function routeKind(method: string, path: string): RouteKind {
  const [, area, , ...rest] = path.split("/").filter(Boolean);
  if (area === "auth") return "auth";
  if (area === "integration") return "integration";
  if (area !== "blueprints") return "other";
  const [first, second] = rest;
  if (first === "bulk") return "delete";
  if (first !== "entities") return "blueprint";
  if (second === "search") return "search";
  if (method === "POST") return "upsert";
  return method === "DELETE" ? "delete" : "other";
}

/** Counters behind `client.stats`. */
export class StatsCounter {
  #requests: Record<RouteKind, number> = StatsCounter.#zero();
  #retries = 0;

  static #zero(): Record<RouteKind, number> {
    return { auth: 0, upsert: 0, search: 0, delete: 0, blueprint: 0, integration: 0, other: 0 };
  }

  request(kind: RouteKind): void {
    this.#requests[kind] += 1;
  }

  retry(kind: RouteKind): void {
    this.#requests[kind] += 1;
    this.#retries += 1;
  }

  snapshot(): PortStats {
    const requests = { ...this.#requests };
    const total = Object.values(requests).reduce((a, b) => a + b, 0);
    return { requests, retries: this.#retries, total };
  }

  reset(): void {
    this.#requests = StatsCounter.#zero();
    this.#retries = 0;
  }
}
