/** Starts the next fanout invocation of a run, asynchronously. */
export interface Invoker {
  continueFanout(event: ContinueEvent): Promise<void>;
  /** Starts a run's reconciliation step in its own invocation (`{type: "reconcile"}`). */
  reconcile?(event: ReconcileEvent): Promise<void>;
}

/** Reconciles a run whose batches are all settled; also how a crashed reconciliation resumes. */
export interface ReconcileEvent {
  type: "reconcile";
  runId: string;
}

/** Ends the integration's latest run if it stalled (the stack's schedule sends it). */
export interface WatchdogEvent {
  type: "watchdog";
}

export interface ContinueEvent {
  type: "continue";
  runId: string;
  /** How many continuations came before this one. */
  continuation: number;
  /** When an API asked us to come back later. */
  resumeAt?: string;
}
