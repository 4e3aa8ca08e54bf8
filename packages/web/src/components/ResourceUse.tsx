import type { Amount, ClusterUse, PodUse, WorkloadUse } from '@portolan/core/usage/resources';
import { useQuery } from '@tanstack/react-query';
import { api } from '../api.ts';
import { ErrorNote } from './ErrorNote.tsx';

interface ResourcesResponse {
  ref: string;
  generatedAt: string;
  intervalSeconds: number;
  clusters: ClusterUse[];
}

const cpuText = (cores: number) => (cores < 1 ? `${Math.round(cores * 1000)}m` : `${+cores.toFixed(2)}`);
function memText(bytes: number): string {
  const mi = bytes / 1024 / 1024;
  return mi < 1024 ? `${Math.round(mi)}Mi` : `${+(mi / 1024).toFixed(2)}Gi`;
}

/** Pods' CPU and memory against requests and limits, per workload and cluster, from the metrics API. */
export function ResourceUse({ entityRef }: { entityRef: string }) {
  const query = useQuery({
    queryKey: ['resources', entityRef],
    queryFn: () => api<ResourcesResponse>(`/api/services/${encodeURIComponent(entityRef)}/resources`),
    refetchInterval: (q) => (q.state.data?.intervalSeconds ?? 30) * 1000,
  });
  const d = query.data;
  return (
    <section className="card resources" id="resources" aria-labelledby="resources-title">
      <h2 id="resources-title">Resource use</h2>
      {query.error && <ErrorNote error={query.error} what="Loading resource use" />}
      {!d && !query.error && <p className="muted">Loading…</p>}
      {d && (
        <>
          <p className="small muted">
            CPU and memory in use (metrics API, read every {d.intervalSeconds} s per cluster) against the
            pods' requests and limits.
          </p>
          <div className="table-wrap">
            <table className="grid compact usage">
              <thead>
                <tr>
                  <th>Cluster · workload</th>
                  <th>CPU</th>
                  <th>Memory</th>
                </tr>
              </thead>
              {d.clusters.map((c) => (
                <ClusterRows key={c.cluster} c={c} />
              ))}
            </table>
          </div>
        </>
      )}
    </section>
  );
}

function ClusterRows({ c }: { c: ClusterUse }) {
  const m = c.metrics;
  return (
    <tbody data-cluster={c.cluster} data-metrics={m.status}>
      <tr className="usage-cluster">
        <th scope="rowgroup">
          {c.cluster}
          {m.status === 'unavailable' && <span className="pill warn">no metrics API</span>}
          {m.status === 'error' && <span className="pill bad">metrics failed</span>}
          {m.status === 'pending' && <span className="pill">first reading pending</span>}
        </th>
        <td>
          <UseBar a={c.cpu} fmt={cpuText} label={`CPU in ${c.cluster}`} />
        </td>
        <td>
          <UseBar a={c.memory} fmt={memText} label={`Memory in ${c.cluster}`} />
        </td>
      </tr>
      {m.status !== 'ok' && m.message && (
        <tr>
          <td colSpan={3} className={`small ${m.status === 'error' ? 'bad-text' : 'muted'}`}>
            {m.status === 'unavailable' ? 'No metrics API: ' : 'Last reading failed: '}
            {m.message}
            {m.status === 'error' &&
              m.at &&
              ` (at ${new Date(m.at).toLocaleTimeString()}; showing the previous reading)`}
          </td>
        </tr>
      )}
      {c.workloads.map((w) => (
        <WorkloadRow key={`${w.kind}/${w.namespace}/${w.name}`} w={w} />
      ))}
    </tbody>
  );
}

function WorkloadRow({ w }: { w: WorkloadUse }) {
  return (
    <tr>
      <td className="usage-workload">
        <details>
          <summary>
            {w.kind} {w.name} <span className="muted small">{w.pods.length} pods</span>
          </summary>
          <ul className="plain small">
            {w.pods.map((p) => (
              <PodLine key={p.name} p={p} />
            ))}
          </ul>
        </details>
      </td>
      <td>
        <UseBar a={w.cpu} fmt={cpuText} label={`CPU of ${w.name}`} />
      </td>
      <td>
        <UseBar a={w.memory} fmt={memText} label={`Memory of ${w.name}`} />
      </td>
    </tr>
  );
}

function PodLine({ p }: { p: PodUse }) {
  const part = (a: Amount, fmt: (n: number) => string) =>
    `${a.used !== undefined ? fmt(a.used) : '–'} / ${a.request !== undefined ? fmt(a.request) : '–'}${
      a.limit !== undefined ? ` / ${fmt(a.limit)}` : ''
    }`;
  return (
    <li>
      <code>{p.name}</code>{' '}
      {p.measured ? (
        <span className="muted">
          CPU {part(p.cpu, cpuText)} · memory {part(p.memory, memText)}
        </span>
      ) : (
        <span className="muted">no metrics</span>
      )}
    </li>
  );
}

/** Used on a track to the highest of used, request and limit; request and limit marked. */
function UseBar({ a, fmt, label }: { a: Amount; fmt: (n: number) => string; label: string }) {
  const top = Math.max(a.used ?? 0, a.request ?? 0, a.limit ?? 0) * 1.05;
  const pct = (n: number) => `${top > 0 ? (n / top) * 100 : 0}%`;
  const ofRequest = a.used !== undefined && a.request ? Math.round((a.used / a.request) * 100) : undefined;
  const state =
    a.limit !== undefined && a.used !== undefined && a.used >= a.limit * 0.9
      ? 'bad'
      : ofRequest !== undefined && ofRequest > 100
        ? 'warn'
        : 'ok';
  const words = [
    a.used !== undefined ? `${fmt(a.used)} used` : 'use unknown',
    a.request !== undefined ? `${fmt(a.request)} requested` : 'no request',
    a.limit !== undefined ? `${fmt(a.limit)} limit` : 'no limit',
  ].join(', ');
  return (
    <div className="use">
      <span className={`use-bar ${state}`} role="img" aria-label={`${label}: ${words}`}>
        {a.used !== undefined && <span className="use-fill" style={{ width: pct(a.used) }} />}
        {a.request !== undefined && <span className="use-request" style={{ left: pct(a.request) }} />}
        {a.limit !== undefined && (
          <span className="use-limit" style={{ left: `calc(${pct(a.limit)} - 2px)` }} />
        )}
      </span>
      <span className="small">
        {a.used !== undefined ? <b>{fmt(a.used)}</b> : <span className="muted">–</span>}
        <span className="muted">
          {' '}
          / {a.request !== undefined ? fmt(a.request) : 'no req'}
          {a.limit !== undefined && ` · lim ${fmt(a.limit)}`}
          {ofRequest !== undefined && ` · ${ofRequest}%`}
        </span>
      </span>
    </div>
  );
}
