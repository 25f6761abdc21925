import type { PortAppConfig, ResourceMapper } from "../mapping/index.ts";
import type { RunRecords } from "./contracts/index.ts";
import type { RunRecord } from "./run.ts";

export type CompileResource = (config: PortAppConfig, resource: number) => Promise<ResourceMapper>;

interface RunMapping {
  config: PortAppConfig;
  run: RunRecord;
  mappers: Map<number, Promise<ResourceMapper>>;
}

/** Runs whose compiled mappings a warm container keeps. */
const KEPT_RUNS = 4;

/**
 * The compiled mappings of each run's config snapshot, kept per container: jq is compiled
 * once per resource, not once per message.
 */
export class RunMappers {
  readonly #store: RunRecords;
  readonly #compile: CompileResource;
  readonly #runs = new Map<string, Promise<RunMapping>>();

  constructor(store: RunRecords, compile: CompileResource) {
    this.#store = store;
    this.#compile = compile;
  }

  async config(runId: string): Promise<PortAppConfig> {
    return (await this.#load(runId)).config;
  }

  /** The run as it started (its integration, whether it rewrites everything). */
  async run(runId: string): Promise<RunRecord> {
    return (await this.#load(runId)).run;
  }

  async mapper(runId: string, resource: number): Promise<ResourceMapper> {
    const mapping = await this.#load(runId);
    let mapper = mapping.mappers.get(resource);
    if (!mapper) {
      if (!mapping.config.resources[resource]) throw new Error(`run ${runId} has no resource #${resource}`);
      mapper = this.#compile(mapping.config, resource);
      mapping.mappers.set(resource, mapper);
    }
    return mapper;
  }

  #load(runId: string): Promise<RunMapping> {
    let mapping = this.#runs.get(runId);
    if (!mapping) {
      mapping = Promise.all([this.#store.getConfig(runId), this.#store.getRun(runId)]).then(
        ([config, run]) => {
          if (!config || !run) throw new Error(`run ${runId} is not in the run table (expired?)`);
          return { config, run, mappers: new Map() };
        },
      );
      mapping.catch(() => this.#runs.delete(runId));
      this.#runs.set(runId, mapping);
      if (this.#runs.size > KEPT_RUNS) this.#runs.delete(this.#runs.keys().next().value as string);
    }
    return mapping;
  }
}
