import type { CallOptions } from "../../types.ts";
import { getObject } from "./lists.ts";
import type { GitHubKindContext, RawItem } from "./shared.ts";

/**
 * Ocean reads users and team members through GitHub's GraphQL API; its mappings expect that
 * shape: `login`, `id` (the node id), `databaseId`, `name` and `email` ("" when not public).
 * Tide reads the same through REST — the member list, then each member's profile
 * (`GET /users/{login}`, once per login per call) for the name and public email — and answers
 * in Ocean's shape, so Ocean's mappings work unchanged.
 */
export class Profiles {
  readonly #ctx: GitHubKindContext;
  readonly #kind: string;
  readonly #options: CallOptions;
  readonly #seen = new Map<string, Promise<RawItem>>();

  constructor(ctx: GitHubKindContext, kind: string, options: CallOptions) {
    this.#ctx = ctx;
    this.#kind = kind;
    this.#options = options;
  }

  /** A listed member (simple-user) as Ocean's GraphQL `User`. */
  async user(member: RawItem): Promise<RawItem> {
    const profile = await this.#profile(member);
    return {
      login: member.login,
      id: member.node_id,
      databaseId: member.id,
      email: profile.email ?? "",
      name: profile.name ?? null,
    };
  }

  /** A listed team member as Ocean's team `members.nodes[]` entry. */
  async teamMember(member: RawItem): Promise<RawItem> {
    const profile = await this.#profile(member);
    return {
      id: member.node_id,
      login: member.login,
      name: profile.name ?? null,
      isSiteAdmin: member.site_admin === true,
      email: profile.email ?? "",
    };
  }

  #profile(member: RawItem): Promise<RawItem> {
    const login = member.login;
    if (typeof login !== "string" || login === "") {
      const shown = JSON.stringify(member)?.slice(0, 80);
      return Promise.reject(new TypeError(`kind ${this.#kind}: a listed member has no login (${shown})`));
    }
    let profile = this.#seen.get(login);
    if (!profile) {
      const path = `/users/${encodeURIComponent(login)}`;
      profile = getObject(this.#ctx, this.#kind, path, this.#options);
      this.#seen.set(login, profile);
    }
    return profile;
  }
}
