import { TideError } from "../errors.ts";
/** A resync that cannot start as asked: an unknown kind, a bad setting. Maps to exit code 2. */
export class ResyncRequestError extends TideError {
  override readonly name = "ResyncRequestError";
}

/** Another run of the same integration holds the run lock. */
export class RunLockedError extends TideError {
  override readonly name = "RunLockedError";
  readonly holder: string;
  readonly since: string;

  constructor(holder: string, since: string, reason: string) {
    super(`another resync (run ${holder}, started ${since}) ${reason}`);
    this.holder = holder;
    this.since = since;
  }
}
