import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { compileConfig, loadConfig } from "../../lib/mapping/index.ts";
import { selectorExtras } from "../../lib/pipeline/enumeration.ts";
import {
  HTTP_SETTINGS,
  httpOptionsFromSettings,
  httpSource,
  parseHttpSelector,
} from "../../lib/source/http/index.ts";
import { pathParameterNames } from "../../lib/source/http/selector.ts";
import { findKind, resolveSettings } from "../../lib/source/index.ts";

/** Ocean's custom integration examples, vendored unchanged from its repository. */
const DIR = new URL("../fixtures/ocean-custom/", import.meta.url);
const read = (name: string) => readFileSync(new URL(name, DIR), "utf8");

const CONFIGS = [
  "hubspot/port-app-config.yml",
  "zendesk/port-app-config.yml",
  "canny/port-app-config.yml",
  "slack/port-app-config.yml",
  "slack-integration.yaml",
  "dynamic-endpoints.yaml",
];

/** A .env file as docker --env-file reads it, plus the trailing `# comment` a shell would drop. */
function parseEnv(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split("\n")) {
    const match = /^\s*([A-Z0-9_]+)\s*=\s*(.*)$/.exec(line);
    if (!match?.[1]) continue;
    env[match[1]] = (match[2] ?? "").replace(/\s+#.*$/, "").replace(/^"(.*)"$/, "$1");
  }
  return env;
}

describe("Ocean's custom integration examples", () => {
  const source = httpSource.create({ HTTP_BASE_URL: "http://127.0.0.1:1" });

  for (const file of CONFIGS) {
    it(`${file}: valid as is, every kind an endpoint of the http source, every selector understood`, async () => {
      const config = loadConfig(read(file), file);
      await compileConfig(config);
      expect(config.resources.length).toBeGreaterThan(0);
      for (const resource of config.resources) {
        expect(findKind(source, resource.kind), resource.kind).toBeDefined();
        const selector = parseHttpSelector(resource.kind, selectorExtras(resource.selector));
        for (const name of pathParameterNames(resource.kind))
          expect(selector.path_parameters?.[name], `${resource.kind} {${name}}`).toBeDefined();
      }
    });
  }

  it("the blueprints of each example are Port blueprints", () => {
    for (const dir of ["hubspot", "zendesk", "canny", "slack"]) {
      // Two shapes in Ocean's examples: an array, or { blueprints: [...] }.
      const json = JSON.parse(read(`${dir}/blueprints.json`)) as unknown;
      const blueprints = (
        Array.isArray(json) ? json : (json as { blueprints: unknown[] }).blueprints
      ) as unknown[];
      expect(blueprints.length, dir).toBeGreaterThan(0);
      for (const b of blueprints)
        expect(b, dir).toMatchObject({ identifier: expect.any(String), schema: expect.any(Object) });
    }
  });

  const envFiles = readdirSync(DIR).filter((f) => f.endsWith(".env"));
  it("finds the example .env files", () => expect(envFiles.length).toBe(6));
  for (const file of envFiles) {
    it(`${file}: Ocean's OCEAN__INTEGRATION__CONFIG__ variables configure the http source unchanged`, () => {
      const env = parseEnv(read(file));
      const options = httpOptionsFromSettings(resolveSettings(httpSource, env));
      expect(options.baseUrl).toBe(env.OCEAN__INTEGRATION__CONFIG__BASE_URL);
      expect(options.auth.type).toBe(env.OCEAN__INTEGRATION__CONFIG__AUTH_TYPE);
      expect(options.pagination.type).toBe(env.OCEAN__INTEGRATION__CONFIG__PAGINATION_TYPE ?? "none");
      expect(options.timeoutMs).toBe(Number(env.OCEAN__INTEGRATION__CONFIG__TIMEOUT) * 1000);
      const older =
        env.OCEAN__INTEGRATION__CONFIG__CURSOR_PARAM ?? env.OCEAN__INTEGRATION__CONFIG__PAGE_PARAM;
      if (older) expect(options.pagination.paginationParam).toBe(older);
    });
  }

  it("every setting of Ocean's spec.yaml is a setting, as sensitive and with the same default", () => {
    const spec = parse(read("spec.yaml")) as {
      configurations: Array<{ name: string; sensitive?: boolean; default?: unknown }>;
    };
    const env = (name: string) => `HTTP_${name.replace(/([a-z0-9])([A-Z])/g, "$1_$2").toUpperCase()}`;
    expect(spec.configurations.length).toBeGreaterThan(20);
    for (const configuration of spec.configurations) {
      const setting = HTTP_SETTINGS.find((s) => s.name === env(configuration.name));
      expect(setting, configuration.name).toBeDefined();
      if (configuration.sensitive) expect(setting?.sensitive, configuration.name).toBe(true);
      if (configuration.default !== undefined)
        expect(setting?.default, configuration.name).toBe(String(configuration.default));
    }
  });

  it("HTTP_ variables win over Ocean's names", () => {
    const options = httpOptionsFromSettings(
      resolveSettings(httpSource, {
        HTTP_BASE_URL: "https://new.example.test",
        OCEAN__INTEGRATION__CONFIG__BASE_URL: "https://old.example.test",
        HTTP_PAGINATION_TYPE: "next_link",
      }),
    );
    expect(options.baseUrl).toBe("https://new.example.test");
    expect(options.pagination).toMatchObject({
      type: "next_link",
      nextLinkPath: "@odata.nextLink",
      pageSize: 100,
    });
  });
});
