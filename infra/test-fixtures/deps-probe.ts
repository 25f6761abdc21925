// Test fixture: imports every dependency the functions bundle, to prove the ESM bundle runs
// (CJS shim, jq.wasm next to the bundle, the mapping copied in) outside Lambda.
import { readFile } from "node:fs/promises";
import { Logger } from "@aws-lambda-powertools/logger";
import { Metrics } from "@aws-lambda-powertools/metrics";
import middy from "@middy/core";
import { json } from "jq-wasm";
import { Agent } from "undici";
import { parse } from "yaml";
import { z } from "zod";

const logger = new Logger({ serviceName: "probe", logLevel: "ERROR" });
const metrics = new Metrics({ namespace: "Probe", serviceName: "probe" });

export const handler = middy(async () => {
  const config = parse(await readFile(new URL("./port-app-config.yml", import.meta.url), "utf8"));
  const kinds = z.object({ resources: z.array(z.object({ kind: z.string() })) }).parse(config);
  const mapped = await json({ name: "tide" }, ".name");
  const agent = new Agent();
  await agent.close();
  logger.debug("probe", { metrics: typeof metrics.addMetric });
  return { kinds: kinds.resources.map((r) => r.kind), mapped };
});
