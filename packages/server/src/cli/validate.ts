import { readFile, stat } from 'node:fs/promises';
import {
  formatProblem,
  MAX_FILE_BYTES,
  type Problem,
  parseDescriptorFile,
} from '@portolan/core/catalog/index';
import type { Io } from './io.ts';

/** `portolan catalog validate <paths...>`: what CI runs before merging a descriptor. */
export async function validateCommand(paths: string[], io: Io): Promise<number> {
  if (paths.length === 0) {
    io.stderr.write('usage: portolan catalog validate <file...>\n');
    return 2;
  }
  let problems = 0;
  let entities = 0;
  for (const path of paths) {
    let found: Problem[];
    try {
      const info = await stat(path);
      if (info.isDirectory()) {
        found = [
          {
            file: path,
            line: 1,
            column: 1,
            severity: 'error',
            message: 'is a directory; name the descriptor files',
          },
        ];
      } else if (info.size > MAX_FILE_BYTES) {
        found = [
          {
            file: path,
            line: 1,
            column: 1,
            severity: 'error',
            message: `file is ${info.size} bytes; at most 1 MiB is allowed`,
          },
        ];
      } else {
        const parsed = parseDescriptorFile(path, await readFile(path, 'utf8'));
        entities += parsed.documents.length;
        found = parsed.problems;
      }
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      found = [
        {
          file: path,
          line: 1,
          column: 1,
          severity: 'error',
          message: code === 'ENOENT' ? 'no such file' : String(error),
        },
      ];
    }
    for (const p of found) io.stdout.write(`${formatProblem(p)}\n`);
    problems += found.filter((p) => p.severity === 'error').length;
  }
  io.stderr.write(
    `${paths.length} file(s), ${entities} valid entit${entities === 1 ? 'y' : 'ies'}, ${problems} problem(s)\n`,
  );
  return problems > 0 ? 1 : 0;
}
