/**
 * Runs `task` for every value of an async iterable, at most `limit` at a time, consuming the
 * iterable only as fast as slots free up. Rejects with the first task error once the tasks
 * already started have settled.
 */
export async function forEachConcurrent<T>(
  values: AsyncIterable<T> | Iterable<T>,
  limit: number,
  task: (value: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  for await (const value of values) {
    if (failure) break;
    const run = task(value).then(
      () => {
        running.delete(run);
      },
      (error: unknown) => {
        running.delete(run);
        failure ??= { error };
      },
    );
    running.add(run);
    if (running.size >= limit) await Promise.race(running);
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}
