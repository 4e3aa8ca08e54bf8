export interface Io {
  stdin: NodeJS.ReadableStream;
  /** `isTTY` tells a person at a terminal from a pipe (process.stdout has it). */
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
}
