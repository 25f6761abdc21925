import type { SettingSpec } from "../settings.ts";
import type { ResolvedSettings, SettingProblem } from "../types.ts";
import { readPrivateKey } from "./app-auth.ts";

export const GITHUB_SETTINGS: SettingSpec[] = [
  { name: "GITHUB_ORG", type: "string", required: true, description: "the organization to sync, e.g. acme" },
  {
    name: "GITHUB_API_URL",
    type: "url",
    default: "https://api.github.com",
    description: "the REST API root; https://HOST/api/v3 for GitHub Enterprise Server",
  },
  {
    name: "GITHUB_TOKEN",
    type: "string",
    sensitive: true,
    description: "a personal access token (classic or fine-grained); or set the GITHUB_APP_* settings",
  },
  { name: "GITHUB_APP_ID", type: "string", description: "the GitHub App's id (or client id)" },
  {
    name: "GITHUB_APP_PRIVATE_KEY",
    type: "string",
    sensitive: true,
    description: "the GitHub App's PEM private key; `\\n` escapes and base64 are accepted",
  },
  { name: "GITHUB_APP_INSTALLATION_ID", type: "number", description: "the App's installation id on the org" },
  {
    name: "GITHUB_MAX_CONCURRENCY",
    type: "number",
    default: "10",
    description:
      "requests to GitHub in flight at once, all kinds together (GitHub counts concurrent requests)",
  },
];

const APP = ["GITHUB_APP_ID", "GITHUB_APP_PRIVATE_KEY", "GITHUB_APP_INSTALLATION_ID"];

/** Exactly one way to authenticate, complete; an org name GitHub could have. */
export function checkGitHubSettings(settings: ResolvedSettings): SettingProblem[] {
  const problems: SettingProblem[] = [];
  const org = settings.GITHUB_ORG;
  if (typeof org === "string" && !/^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?$/.test(org)) {
    problems.push({ setting: "GITHUB_ORG", message: `${JSON.stringify(org)} is not an organization login` });
  }
  const appSet = APP.filter((name) => settings[name] !== undefined);
  const hasToken = settings.GITHUB_TOKEN !== undefined;
  if (hasToken && appSet.length > 0) {
    problems.push({
      setting: ["GITHUB_TOKEN", ...appSet].join(", "),
      message: "set either GITHUB_TOKEN or the GitHub App settings, not both",
    });
  } else if (!hasToken && appSet.length === 0) {
    problems.push({
      setting: "GITHUB_TOKEN",
      message: `required, not set (or set the GitHub App settings ${APP.join(", ")})`,
    });
  } else if (appSet.length > 0 && appSet.length < APP.length) {
    for (const name of APP.filter((n) => !appSet.includes(n))) {
      problems.push({ setting: name, message: `required with ${appSet.join(" and ")}, not set` });
    }
  }
  const concurrency = settings.GITHUB_MAX_CONCURRENCY;
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && Number(concurrency) >= 1)) {
    problems.push({ setting: "GITHUB_MAX_CONCURRENCY", message: `${concurrency} is not a whole number ≥ 1` });
  }
  if (!hasToken && settings.GITHUB_APP_PRIVATE_KEY !== undefined) {
    try {
      readPrivateKey(String(settings.GITHUB_APP_PRIVATE_KEY));
    } catch (error) {
      problems.push({ setting: "GITHUB_APP_PRIVATE_KEY", message: (error as Error).message });
    }
  }
  return problems;
}
