/**
 * The values of an async iterable in arrays of up to `size`, each as soon as it is full (or the
 * iterable ends). Values read before the iterable fails are still given, then the failure.
 */
export async function* chunked<T>(values: AsyncIterable<T>, size: number): AsyncGenerator<T[]> {
  let chunk: T[] = [];
  try {
    for await (const value of values) {
      chunk.push(value);
      if (chunk.length < size) continue;
      yield chunk;
      chunk = [];
    }
  } catch (error) {
    if (chunk.length > 0) yield chunk;
    throw error;
  }
  if (chunk.length > 0) yield chunk;
}
