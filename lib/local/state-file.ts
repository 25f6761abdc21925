import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";
import type { PortAppConfig } from "../mapping/index.ts";
import type { PartitionMemo, WrittenHash } from "../pipeline/contracts/index.ts";
import type { RunRecord } from "../pipeline/run.ts";
import { MemoryContentHashes } from "./memory-content-hashes.ts";
import { MemoryPartitionMemos } from "./memory-partition-memos.ts";

/** One past local run, as `.tide/state.json` keeps it. */
export interface LocalRunEntry {
  runId: string;
  status: RunRecord["status"];
  startedAt: string;
  endedAt?: string;
  entities?: number;
  unchanged?: number;
  failures?: number;
  deleted?: number;
}

interface TargetState {
  hashes: Array<[string, WrittenHash]>;
  /** Partition memos (absent in files of earlier versions). */
  memos?: Array<[string, PartitionMemo]>;
  runs: LocalRunEntry[];
  /** The completed run that started last, and its config: where an incremental run starts from. */
  lastCompleted?: { run: RunRecord; config: PortAppConfig };
}

interface StateFile {
  version: 1;
  /** Per target (a Port organization's API, or a file catalog's folder): hashes only hold for where they were written. */
  targets: Record<string, TargetState>;
}

const KEEP_RUNS = 50;

/**
 * What local runs keep between them (`.tide/state.json`): the content hashes of what was
 * written, so a second `tide resync --local` sends only what changed and reports the rest
 * `unchanged` as the deployed stack does, and the run history. JSON: a few MB for 100,000
 * entities, readable, nothing to install; written whole through a temporary file and a rename,
 * so an interrupted save leaves the previous state intact.
 *
 * @example
 * const state = await LocalState.open(".tide/state.json", "port https://api.port.io");
 * await resyncLocal({ ...options, hashes: state.hashes, memos: state.memos });
 * await state.save(run);
 */
export class LocalState {
  readonly hashes: MemoryContentHashes;
  readonly memos: MemoryPartitionMemos;
  readonly #path: string;
  readonly #target: string;
  readonly #file: StateFile;

  private constructor(path: string, target: string, file: StateFile, fresh: boolean) {
    this.#path = path;
    this.#target = target;
    this.#file = file;
    this.hashes = new MemoryContentHashes(fresh ? [] : (file.targets[target]?.hashes ?? []));
    this.memos = new MemoryPartitionMemos(fresh ? [] : (file.targets[target]?.memos ?? []));
  }

  /** Reads the state file (none yet: empty). With `fresh`, starts from no hashes (and saves anew). */
  static async open(path: string, target: string, options: { fresh?: boolean } = {}): Promise<LocalState> {
    let file: StateFile = { version: 1, targets: {} };
    try {
      const parsed = JSON.parse(await readFile(path, "utf8")) as StateFile;
      if (parsed?.version === 1 && typeof parsed.targets === "object") file = parsed;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT" && !(error instanceof SyntaxError)) throw error;
      // A missing or unreadable file: a first run (an unreadable one is replaced at save).
    }
    return new LocalState(path, target, file, options.fresh ?? false);
  }

  /** The target's past runs, newest first. */
  get runs(): LocalRunEntry[] {
    return [...(this.#file.targets[this.#target]?.runs ?? [])];
  }

  /** The completed run that started last (with its config), if any: what `--incremental` starts from. */
  get lastCompleted(): { run: RunRecord; config: PortAppConfig } | undefined {
    return this.#file.targets[this.#target]?.lastCompleted;
  }

  /** Saves the hashes as they are now and adds the run to the history (with its config, if completed). */
  async save(run: RunRecord, config?: PortAppConfig): Promise<void> {
    const s = run.summary;
    const entry: LocalRunEntry = {
      runId: run.runId,
      status: run.status,
      startedAt: run.startedAt,
      ...(run.endedAt ? { endedAt: run.endedAt } : {}),
      ...(s
        ? {
            entities: s.kinds.reduce((sum, k) => sum + k.entities, 0),
            unchanged: s.kinds.reduce((sum, k) => sum + k.unchanged, 0),
            failures: s.failureCount,
            deleted: Object.values(s.deleted).reduce((sum, n) => sum + n, 0),
          }
        : {}),
    };
    const { summary: _, ...record } = run;
    const newer =
      run.status === "completed" && config && (this.lastCompleted?.run.startedAt ?? "") <= run.startedAt;
    const lastCompleted = newer ? { run: record, config } : this.lastCompleted;
    this.#file.targets[this.#target] = {
      hashes: this.hashes.entries(),
      memos: this.memos.entries(),
      runs: [entry, ...this.runs].slice(0, KEEP_RUNS),
      ...(lastCompleted ? { lastCompleted } : {}),
    };
    await mkdir(dirname(this.#path), { recursive: true });
    const temporary = `${this.#path}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(this.#file));
    await rename(temporary, this.#path);
  }
}
