// The built web app: files under assets/ carry a content hash in their name (Vite's build), so
// they are cached for a year and never revalidated; everything else (index.html) is revalidated
// with an ETag. Text files are compressed once, with brotli or gzip as the browser accepts, and
// the compressed bytes kept in memory (the app is a few hundred KB).
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { PUBLIC } from '../auth/permission.ts';

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
const COMPRESSIBLE = new Set(['.html', '.js', '.css', '.svg', '.json']);

interface Prepared {
  type: string;
  etag: string;
  raw: Buffer;
  br?: Buffer;
  gzip?: Buffer;
}

/** Which encoding to send for an Accept-Encoding header: brotli first, then gzip, else none. */
export function pickEncoding(accept: string | undefined): 'br' | 'gzip' | undefined {
  const offered = new Map<string, number>();
  for (const part of (accept ?? '').split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((p) => /^\s*q=([0-9.]+)\s*$/.exec(p)?.[1]).find((v) => v !== undefined);
    offered.set(name, q === undefined ? 1 : Number(q));
  }
  const ok = (name: string) => (offered.get(name) ?? offered.get('*') ?? 0) > 0;
  if (ok('br')) return 'br';
  if (ok('gzip')) return 'gzip';
  return undefined;
}

/** Serves the built web app; unknown paths get index.html so client-side routes work. */
export function serveWebApp(app: FastifyInstance, dir: string): void {
  if (!existsSync(join(dir, 'index.html'))) {
    app.get('/', PUBLIC, async (_request, reply) =>
      reply
        .type('text/plain; charset=utf-8')
        .send(
          'The web app is not built. Run "npm run demo" or "npx vite build" in packages/web.\nThe API is at /api.',
        ),
    );
    return;
  }
  const cache = new Map<string, Promise<Prepared | undefined>>();
  const prepare = (file: string): Promise<Prepared | undefined> => {
    let p = cache.get(file);
    if (!p) {
      p = readFile(file).then(
        (raw) => {
          const ext = extname(file);
          const out: Prepared = {
            type: TYPES[ext]!,
            etag: `"${createHash('sha256').update(raw).digest('base64url').slice(0, 22)}"`,
            raw,
          };
          if (COMPRESSIBLE.has(ext) && raw.length > 512) {
            out.br = brotliCompressSync(raw, {
              params: {
                [constants.BROTLI_PARAM_QUALITY]: 11,
                [constants.BROTLI_PARAM_SIZE_HINT]: raw.length,
              },
            });
            out.gzip = gzipSync(raw, { level: 9 });
          }
          return out;
        },
        () => {
          cache.delete(file); // not there (yet): ask the disk again next time
          return undefined;
        },
      );
      cache.set(file, p);
    }
    return p;
  };
  const send = (request: FastifyRequest, reply: FastifyReply, f: Prepared, immutable: boolean) => {
    reply
      .header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache')
      .header('etag', f.etag)
      .header('vary', 'accept-encoding')
      .type(f.type);
    if (request.headers['if-none-match'] === f.etag) return reply.code(304).send();
    const encoding = pickEncoding(request.headers['accept-encoding']);
    const body = encoding ? f[encoding] : undefined;
    if (encoding && body) return reply.header('content-encoding', encoding).send(body);
    return reply.send(f.raw);
  };
  app.get('/*', PUBLIC, async (request, reply) => {
    const path = decodeURIComponent((request.params as { '*': string })['*'] ?? '');
    if (path.startsWith('api/')) return reply.callNotFound();
    const file = normalize(join(dir, path));
    const inside = file.startsWith(dir + sep);
    const ext = extname(file);
    if (inside && ext && TYPES[ext]) {
      const f = await prepare(file);
      if (f) return send(request, reply, f, path.startsWith('assets/'));
    }
    const shell = await prepare(join(dir, 'index.html'));
    if (!shell) return reply.callNotFound();
    return send(request, reply, shell, false);
  });
}
