import { TideError } from "../../errors.ts";
import { embed, jqEngine, PRELUDE } from "../../mapping/jq.ts";

/** A jq expression of the HTTP source's config that failed on a response. */
export class HttpJqError extends TideError {
  override readonly name = "HttpJqError";
}

/**
 * The outputs of `expression` run on `input`, with the mapping's jq (same engine, same
 * sandbox: no `env`, no `input`). `where` names the setting or selector field in errors.
 *
 * @example
 * await jqOutputs(".members", { ok: true, members: [{ id: "U1" }] }, "selector.data_path"); // [[{ id: "U1" }]]
 */
export async function jqOutputs(expression: string, input: unknown, where: string): Promise<unknown[]> {
  const jq = await jqEngine();
  const { stdout, stderr, exitCode } = jq.raw(JSON.stringify(input), `${PRELUDE}\n${embed(expression)}`, [
    "-c",
  ]);
  if (exitCode !== 0) {
    const first = stderr.split("\n").find((line) => line.trim() !== "") ?? `exit ${exitCode}`;
    throw new HttpJqError(`${where} ${JSON.stringify(expression)}: ${first.replace(/^jq: (error: )?/, "")}`);
  }
  const lines = stdout.split("\n").filter((line) => line !== "");
  return lines.map((line) => JSON.parse(line) as unknown);
}

/** The first output of `expression` on `input`, `null` when there is none (Ocean's `_search`). */
export async function jqFirst(expression: string, input: unknown, where: string): Promise<unknown> {
  const [first] = await jqOutputs(expression, input, where);
  return first ?? null;
}

/**
 * Fills `{{.path}}` placeholders of a string from `data` (Ocean's custom auth templates).
 * A placeholder alone in a string keeps the value's type.
 */
export async function fillTemplate(template: unknown, data: unknown, where: string): Promise<unknown> {
  if (typeof template === "string") {
    const whole = /^\{\{\s*(.+?)\s*\}\}$/.exec(template);
    if (whole?.[1]) return jqFirst(whole[1], data, where);
    let out = "";
    let last = 0;
    for (const match of template.matchAll(/\{\{\s*(.+?)\s*\}\}/g)) {
      const value = await jqFirst(match[1] ?? ".", data, where);
      out += template.slice(last, match.index) + (typeof value === "string" ? value : JSON.stringify(value));
      last = (match.index ?? 0) + match[0].length;
    }
    return out + template.slice(last);
  }
  if (Array.isArray(template)) return Promise.all(template.map((t) => fillTemplate(t, data, where)));
  if (template && typeof template === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(template)) out[key] = await fillTemplate(value, data, where);
    return out;
  }
  return template;
}

/** `meta.after_cursor` → the value at that dot path of `data` (Ocean's `_get_nested_value`). */
export function dotPath(data: unknown, path: string): unknown {
  if (data !== null && typeof data === "object" && Object.hasOwn(data, path))
    return (data as Record<string, unknown>)[path];
  let value = data;
  for (const key of path.split(".")) {
    if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
    value = (value as Record<string, unknown>)[key];
  }
  return value;
}
