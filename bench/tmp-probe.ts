import { resyncLocal } from "../lib/local/resync.ts";
import { startBenchWorld, benchConfig, INTEGRATION } from "./e2e-world.ts";
const w = await startBenchWorld({ repos: 1000, pullsPerRepo: 19, latencyMs: 50 });
const config = await benchConfig();
for (const linger of (process.env.LINGERS ?? "50").split(",").map(Number)) {
  const calls: number[] = [];
  let items = 0, bytes = 0;
  const catalog = w.catalog;
  const orig = catalog.upsert.bind(catalog);
  (catalog as any).upsert = (bp: string, es: unknown[], o: any) => { calls.push(es.length); return orig(bp, es as any, o); };
  const compile = async (c: any, r: number) => { const m = await w.compile(c, r); return { kind: m.kind, resourceIndex: m.resourceIndex, map(xs: unknown[]) { if (m.kind === "pull-request") { items += xs.length; bytes += JSON.stringify(xs).length; } return m.map(xs); } }; };
  const t0 = Date.now();
  const { run } = await resyncLocal({ integrationId: INTEGRATION, config, source: w.source, catalog, compile, concurrency: 4, batchSize: 10, fanout: { lingerMs: linger } });
  (catalog as any).upsert = orig;
  const req = calls.reduce((s, n) => s + Math.ceil(n / 20), 0);
  const ents = calls.reduce((s, n) => s + n, 0);
  console.log({ linger, status: run.status, ms: Date.now() - t0, req, ents, perEntity: (req / ents).toFixed(4), deliveriesAvg: (ents / calls.length).toFixed(0), prBytes: (bytes / items).toFixed(0) });
}
await w.close();
