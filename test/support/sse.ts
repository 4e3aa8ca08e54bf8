// Reading Server-Sent Events in tests and benchmarks: one parser for every reader.
import { applyPatch, type Json } from '@portolan/core/json/patch';

import { sseBlocks } from '../../packages/server/src/http/sse-read.ts';

export { type SseBlock, sseBlocks } from '../../packages/server/src/http/sse-read.ts';

/** Collects an SSE body in the background; next(event) resolves with that event's next payload. */
export function sseEvents(body: ReadableStream<Uint8Array>) {
  const queue: { event: string; data: unknown }[] = [];
  let wake: (() => void) | undefined;
  void (async () => {
    try {
      for await (const { event, data } of sseBlocks(body)) {
        queue.push({ event, data: JSON.parse(data) });
        wake?.();
      }
    } catch {
      // aborted when the test is done with the stream
    }
  })();
  return {
    // biome-ignore lint/suspicious/noExplicitAny: tests read the JSON payloads loosely
    async next(event: string, timeoutMs = 10_000): Promise<any> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const at = queue.findIndex((e) => e.event === event);
        if (at >= 0) return queue.splice(at, 1)[0]!.data;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`no "${event}" event within ${timeoutMs} ms`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 100));
        });
      }
    },
  };
}

/**
 * The service views of a `/kubernetes/stream` body, whole: the first `view` event as sent, each
 * later `patch` event applied to the one before (as the web app does). `bytes` is what the event
 * cost on the wire.
 */
export async function* liveViews<T = unknown>(
  body: ReadableStream<Uint8Array>,
): AsyncGenerator<{ view: T; event: 'view' | 'patch'; bytes: number }> {
  let view: Json | undefined;
  for await (const { event, data } of sseBlocks(body)) {
    if (event === 'view') view = JSON.parse(data) as Json;
    else if (event === 'patch' && view !== undefined) view = applyPatch(view, JSON.parse(data));
    else continue;
    yield { view: view as T, event, bytes: data.length };
  }
}
