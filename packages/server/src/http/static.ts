import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/** Serves the built web app; unknown paths get index.html so client-side routes work. */
export function serveWebApp(app: FastifyInstance, dir: string): void {
  if (!existsSync(join(dir, 'index.html'))) {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send(
          'The web app is not built. Run "npm run demo" or "npx vite build" in packages/web.\nThe API is at /api.',
        ),
    );
    return;
  }
  app.get('/*', async (request, reply) => {
    const path = decodeURIComponent((request.params as { '*': string })['*'] ?? '');
    if (path.startsWith('api/')) return reply.callNotFound();
    const file = normalize(join(dir, path));
    const inside = file.startsWith(dir + sep);
    const ext = extname(file);
    if (inside && ext && TYPES[ext]) {
      try {
        const body = await readFile(file);
        const immutable = path.startsWith('assets/');
        return reply
          .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
          .type(TYPES[ext]!)
          .send(body);
      } catch {
        // fall through to the app shell
      }
    }
    return reply
      .header('cache-control', 'no-cache')
      .type(TYPES['.html']!)
      .send(await readFile(join(dir, 'index.html')));
  });
}
