// Readiness: may a load balancer send this replica users? Yes once the database answers, the
// catalog has been read once, and every cluster has either synced or been given up on with a
// reason (a down cluster must not keep the whole portal out of service: it shows as stale).
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';

export interface ReadinessCheck {
  name: 'database' | 'catalog' | 'clusters' | 'shutdown';
  ok: boolean;
  message: string;
}

export interface Readiness {
  ready: boolean;
  checks: ReadinessCheck[];
}

export interface ReadinessOptions {
  db: Database;
  catalogLoaded: () => boolean;
  clusters?: () => { cluster: string; status: string; reason?: string | undefined }[];
  shuttingDown: () => boolean;
  /** How long the database may take to answer (default 2 s). */
  timeoutMs?: number;
}

export async function checkReadiness(o: ReadinessOptions): Promise<Readiness> {
  const checks: ReadinessCheck[] = [];
  if (o.shuttingDown()) checks.push({ name: 'shutdown', ok: false, message: 'shutting down' });
  checks.push(await database(o.db, o.timeoutMs ?? 2000));
  checks.push(
    o.catalogLoaded()
      ? { name: 'catalog', ok: true, message: 'loaded' }
      : { name: 'catalog', ok: false, message: 'the first catalog refresh has not completed' },
  );
  if (o.clusters) {
    const all = o.clusters();
    const syncing = all.filter((c) => c.status === 'syncing').map((c) => c.cluster);
    const stale = all
      .filter((c) => c.status === 'stale')
      .map((c) => `${c.cluster} (${c.reason ?? 'unreachable'})`);
    checks.push(
      syncing.length > 0
        ? { name: 'clusters', ok: false, message: `still syncing: ${syncing.join(', ')}` }
        : {
            name: 'clusters',
            ok: true,
            message: `${all.length - stale.length} synced${stale.length > 0 ? `; given up on: ${stale.join(', ')}` : ''}`,
          },
    );
  }
  return { ready: checks.every((c) => c.ok), checks };
}

async function database(db: Database, timeoutMs: number): Promise<ReadinessCheck> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      sql`select 1`.execute(db),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { name: 'database', ok: true, message: 'reachable' };
  } catch (error) {
    return { name: 'database', ok: false, message: `unreachable: ${(error as Error).message}` };
  } finally {
    clearTimeout(timer);
  }
}
