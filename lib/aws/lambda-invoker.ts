import { InvokeCommand, type LambdaClient } from "@aws-sdk/client-lambda";
import type { ContinueEvent, Invoker, ReconcileEvent } from "../pipeline/ports.ts";

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

  continueFanout(event: ContinueEvent): Promise<void> {
    return this.#invoke(event);
  }

  /** Reconciliation in an invocation of its own: a whole timeout for it, retried by Lambda after a crash. */
  reconcile(event: ReconcileEvent): Promise<void> {
    return this.#invoke(event);
  }

  async #invoke(event: ContinueEvent | ReconcileEvent): Promise<void> {
    const result = await this.#client.send(
      new InvokeCommand({
        FunctionName: this.#functionName,
        InvocationType: "Event",
        Payload: Buffer.from(JSON.stringify(event)),
      }),
    );
    if (result.StatusCode !== 202) {
      throw new Error(
        `could not start the ${event.type} step of run ${event.runId}: Lambda answered ${result.StatusCode}`,
      );
    }
  }
}
