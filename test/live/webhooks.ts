import { createRequire } from "node:module";
import { sign } from "@octokit/webhooks-methods";
import type { FakeOrg } from "../fakes/github/index.ts";

type Json = Record<string, unknown>;

interface ExampleGroup {
  name: string;
  examples: Json[];
}

const require = createRequire(import.meta.url);
let groups: ExampleGroup[] | undefined;

/**
 * One of GitHub's own example payloads (`@octokit/webhooks-examples`) for an event and action,
 * as a fresh copy.
 */
export function example(event: string, action?: string): Json {
  groups ??= require("@octokit/webhooks-examples") as ExampleGroup[];
  const group = groups.find((g) => g.name === event);
  const found = group?.examples.find((e) => action === undefined || e.action === action);
  if (!found)
    throw new Error(`no ${event}${action ? `.${action}` : ""} example in @octokit/webhooks-examples`);
  return structuredClone(found);
}

/**
 * Points an example payload at the fake org: its organization, its repository (as GitHub
 * shows it now), and the given object fields (e.g. a pull request's number and updated_at).
 */
export function retarget(payload: Json, org: FakeOrg, repoName?: string): Json {
  payload.organization = { ...(payload.organization as Json | undefined), login: org.login, id: org.id };
  if (repoName !== undefined) {
    const found = org.findRepo(repoName).repo;
    if (!found) throw new Error(`the fake org has no repository ${repoName}`);
    payload.repository = { ...(payload.repository as Json), ...org.repoJson(found) };
  }
  return payload;
}

export interface Delivery {
  status: number;
  body: Json;
}

/** POSTs a payload the way GitHub delivers it: JSON, signed with `secret`, with its event and delivery headers. */
export async function deliver(
  url: string,
  event: string,
  payload: Json | string,
  options: { delivery: string; secret?: string; signature?: string | null },
): Promise<Delivery> {
  const body = typeof payload === "string" ? payload : JSON.stringify(payload);
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-github-event": event,
    "x-github-delivery": options.delivery,
    "user-agent": "GitHub-Hookshot/test",
  };
  if (options.signature !== null)
    headers["x-hub-signature-256"] = options.signature ?? (await sign(options.secret ?? "", body));
  const res = await fetch(`${url}/webhooks/github`, { method: "POST", headers, body });
  return { status: res.status, body: (await res.json()) as Json };
}
