// Reading Server-Sent Events: the one parser for every reader (the CLI, tests, benchmarks).

export interface SseBlock {
  event: string;
  /** The raw data line; parse it only if you need it. */
  data: string;
}

/** Yields each event of an SSE body as it arrives (comments and heartbeats are skipped). */
export async function* sseBlocks(body: ReadableStream<Uint8Array>): AsyncGenerator<SseBlock> {
  const decoder = new TextDecoder();
  let buffer = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buffer += decoder.decode(chunk, { stream: true });
    let end = buffer.indexOf('\n\n');
    while (end >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const event = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (event !== undefined && data !== undefined) yield { event, data };
      end = buffer.indexOf('\n\n');
    }
  }
}
