import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { type RestFake, startRestFake } from "../fakes/http/index.ts";
import { tide } from "../support/tide-cli.ts";

/** Ocean's dynamic-endpoints example, pointed at the fake's paths and fields. */
const CONFIG = `
resources:
  - kind: /api/v1/teams
    selector:
      query: 'true'
      method: GET
      data_path: '.teams'
    port:
      entity:
        mappings:
          identifier: .id
          title: .name
          blueprint: '"team"'
          properties:
            status: .status
  - kind: /api/v1/teams/{team_id}/members
    selector:
      query: 'true'
      method: GET
      path_parameters:
        team_id:
          endpoint: /api/v1/teams
          method: GET
          data_path: '.teams'
          field: '.id'
          filter: '.status == "active"'
      data_path: '.members'
    port:
      entity:
        mappings:
          identifier: .user_id
          title: .name
          blueprint: '"team_member"'
          relations:
            team: .__team_id
`;

let api: RestFake;
afterEach(() => api.close());

describe("tide resync --local --source http", () => {
  it("syncs Ocean-style endpoint kinds, dynamic endpoints included, with bearer auth and cursor pagination", async () => {
    api = await startRestFake({
      auth: { type: "bearer_token", token: "xoxb-secret" },
      pagination: { type: "cursor" },
      teams: 4,
    });
    const cwd = await mkdtemp(join(tmpdir(), "tide-http-"));
    await writeFile(join(cwd, "port-app-config.yml"), CONFIG);
    const env = {
      HTTP_BASE_URL: api.url,
      HTTP_AUTH_TYPE: "bearer_token",
      HTTP_API_TOKEN: "xoxb-secret",
      HTTP_PAGINATION_TYPE: "cursor",
      HTTP_PAGE_SIZE: "2",
      HTTP_CURSOR_PATH: "response_metadata.next_cursor",
      HTTP_HAS_MORE_PATH: "response_metadata.next_cursor",
    };
    const run = await tide(["resync", "--local", "--source", "http"], { cwd, env });
    expect(run.code, run.stderr).toBe(0);
    expect(`${run.stdout}${run.stderr}`).not.toContain("xoxb-secret");
    const read = async (bp: string) =>
      JSON.parse(await readFile(join(cwd, ".tide/catalog", `${bp}.json`), "utf8"));
    expect((await read("team")).map((t: { identifier: string }) => t.identifier).sort()).toEqual([
      "t1",
      "t2",
      "t3",
      "t4",
    ]);
    const members = await read("team_member");
    expect(members.map((m: { identifier: string }) => m.identifier).sort()).toEqual([
      "t1-m1",
      "t1-m2",
      "t1-m3",
      "t3-m1",
      "t3-m2",
      "t3-m3",
    ]);
    expect(members.find((m: { identifier: string }) => m.identifier === "t3-m2").relations).toEqual({
      team: "t3",
    });
  });
});
