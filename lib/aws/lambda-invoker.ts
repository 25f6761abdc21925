import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { ContinueEvent, Invoker, ReconcileEvent } from "../pipeline/contracts/index.ts";
import type { StartEvent } from "../pipeline/fanout.ts";

/**
 * Continues a fanout in a new invocation of the same function (`InvocationType: Event`),
 * so a resync of any length finishes: each invocation picks up from the saved cursors.
 */
export class LambdaInvoker implements Invoker {
  readonly #client: LambdaClient;
  readonly #functionName: string;

  constructor(client: LambdaClient, functionName: string) {
    this.#client = client;
    this.#functionName = functionName;
  }

  /** Starts a new run (Port's changelog webhook, after it took the run lock for `event.runId`). */
  startFanout(event: StartEvent): Promise<void> {
    return this.#invoke(event, `could not start run ${event.runId}`);
  }

  continueFanout(event: ContinueEvent): Promise<void> {
    return this.#invoke(event, `could not continue run ${event.runId}`);
  }

  /** Reconciliation in an invocation of its own: a whole timeout for it, retried by Lambda after a crash. */
  reconcile(event: ReconcileEvent): Promise<void> {
    return this.#invoke(event, `could not start the reconcile step of run ${event.runId}`);
  }

  async #invoke(event: StartEvent | ContinueEvent | ReconcileEvent, failure: string): Promise<void> {
    const result = await this.#client.send(
      new InvokeCommand({
        FunctionName: this.#functionName,
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
    if (result.StatusCode !== 202) throw new Error(`${failure}: Lambda answered ${result.StatusCode}`);
  }
}
