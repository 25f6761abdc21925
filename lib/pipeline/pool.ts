/**
 * Runs `task` for every value of an async iterable, at most `limit` at a time, consuming the
 * iterable only as fast as slots free up. Rejects with the first error (of a task or of the
 * iterable) once the tasks already started have settled.
 */
export async function forEachConcurrent<T>(
  values: AsyncIterable<T> | Iterable<T>,
  limit: number,
  task: (value: T) => Promise<void>,
): Promise<void> {
  const running = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  try {
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
  } catch (error) {
    // The listing broke: the tasks it already started still finish before this rejects.
    failure ??= { error };
  }
  await Promise.all(running);
  if (failure) throw failure.error;
}
