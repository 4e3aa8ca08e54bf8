import type { ClusterDeployState } from '@portolan/core/deploy/events';
import { isActiveStatus } from '@portolan/core/deploy/events';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { NavLink, useSearchParams } from 'react-router';
import { api } from '../api.ts';
import {
  type DeployAccess,
  type Deployment,
  type DeploymentAction,
  STATUS_CLASS,
  shipped,
  useLiveDeployment,
} from '../deployments.ts';
import { ErrorNote } from './ErrorNote.tsx';

const ACTION_LABELS: Record<DeploymentAction, string> = {
  pause: 'Pause',
  resume: 'Resume',
  approve: 'Approve the next wave',
  cancel: 'Cancel and roll back',
  rollback: 'Roll back',
};

const deploymentsPath = (entityRef: string) => `/api/services/${encodeURIComponent(entityRef)}/deployments`;

/** Whether the viewer may deploy the service (the Deploy form and the actions). */
function useDeployAccess(entityRef: string) {
  return useQuery({
    queryKey: ['deploy-access', entityRef],
    queryFn: () => api<DeployAccess>(`/api/deploy/access?service=${encodeURIComponent(entityRef)}`),
  });
}

/** The service's latest deployments, newest first; re-read every `refreshMs` while shown. */
function useDeploymentList(entityRef: string, refreshMs?: number) {
  return useQuery({
    queryKey: ['deployments', entityRef],
    queryFn: () => api<{ items: Deployment[] }>(`${deploymentsPath(entityRef)}?limit=50`),
    ...(refreshMs ? { refetchInterval: refreshMs } : {}),
  });
}

/**
 * The Deployments tab's link: there when the service has deployments or the viewer may deploy
 * it (the tab holds the Deploy form), or when it is the tab shown.
 */
export function DeploymentsTabLink({
  entityRef,
  to,
  current,
}: {
  entityRef: string;
  to: string;
  current: boolean;
}) {
  const access = useDeployAccess(entityRef);
  const list = useDeploymentList(entityRef);
  const shown = current || access.data?.allowed === true || (list.data?.items.length ?? 0) > 0;
  return shown ? <NavLink to={to}>Deployments</NavLink> : null;
}

/**
 * A service's deployments: deploy a version, the live rollout as waves × clusters with what each
 * cluster waits for, the actions the deployment allows now, and the history. The one in view is
 * `?deployment=<id>`, else the active one, else the newest.
 */
export function DeploymentsTab({ entityRef }: { entityRef: string }) {
  const [params, setParams] = useSearchParams();
  const base = deploymentsPath(entityRef);
  const access = useDeployAccess(entityRef);
  const list = useDeploymentList(entityRef, 5_000);
  const items = list.data?.items ?? [];
  const shown =
    params.get('deployment') ??
    items.find((d) => isActiveStatus(d.state.status))?.id ??
    items[0]?.id ??
    undefined;
  const select = (id: string) =>
    setParams(
      (p) => {
        p.set('deployment', id);
        return p;
      },
      { preventScrollReset: true },
    );
  return (
    <>
      <section className="card" aria-labelledby="deploy-title">
        <h2 id="deploy-title">Deploy</h2>
        {access.error && <ErrorNote error={access.error} what="Asking whether you may deploy" />}
        {access.data && !access.data.allowed && (
          <p className="note warn" data-testid="deploy-refused">
            You may not deploy this service from here: {access.data.reason}
          </p>
        )}
        {access.data?.allowed && <DeployForm base={base} onStarted={select} />}
      </section>
      {shown && <LiveDeployment id={shown} mayAct={access.data?.allowed === true} />}
      <section className="card" aria-labelledby="history-title">
        <h2 id="history-title">History</h2>
        {list.error && <ErrorNote error={list.error} what="Loading the deployments" />}
        {list.isPending && <p className="muted">Loading…</p>}
        {list.isSuccess && items.length === 0 && (
          <p className="muted">This service has not been deployed yet.</p>
        )}
        {items.length > 0 && (
          <div className="table-scroll">
            <table className="grid deploy-history">
              <thead>
                <tr>
                  <th scope="col">Version</th>
                  <th scope="col">Status</th>
                  <th scope="col">Requested</th>
                  <th scope="col">By</th>
                  <th scope="col">Reason</th>
                </tr>
              </thead>
              <tbody>
                {items.map((d) => (
                  <tr key={d.id} data-id={d.id} aria-current={d.id === shown ? 'true' : undefined}>
                    <td>
                      <button type="button" className="linklike" onClick={() => select(d.id)}>
                        {shipped(d.state)}
                      </button>
                      {d.state.external && <span className="pill info">external</span>}
                    </td>
                    <td>
                      <span className={`pill ${STATUS_CLASS[d.state.status]}`}>{d.state.status}</span>
                    </td>
                    <td>{when(d.state.requestedAt)}</td>
                    <td>{d.state.requestedBy ?? '—'}</td>
                    <td className="reason">{d.state.reason ?? ''}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </>
  );
}

function DeployForm({ base, onStarted }: { base: string; onStarted: (id: string) => void }) {
  const client = useQueryClient();
  const [version, setVersion] = useState('');
  const [reason, setReason] = useState('');
  // One key per request the person means: a retry of the same one (after a lost answer) is the
  // same deployment, never a second; a new version or reason is a new request.
  const [key, setKey] = useState(() => crypto.randomUUID());
  const deploy = useMutation({
    mutationFn: () =>
      api<Deployment>(base, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': key },
        body: JSON.stringify({ version: version.trim(), reason: reason.trim() }),
      }),
    onSuccess: (d) => {
      setKey(crypto.randomUUID());
      void client.invalidateQueries({ queryKey: ['deployments'] });
      onStarted(d.id);
    },
  });
  const edit = (set: (v: string) => void) => (e: React.ChangeEvent<HTMLInputElement>) => {
    set(e.target.value);
    setKey(crypto.randomUUID());
  };
  return (
    <form
      className="deploy-form"
      onSubmit={(e) => {
        e.preventDefault();
        deploy.mutate();
      }}
    >
      <label>
        Version <input required value={version} onChange={edit(setVersion)} placeholder="1.4.2" />
      </label>
      <label className="grow">
        Reason <input required value={reason} onChange={edit(setReason)} placeholder="what it changes" />
      </label>
      <button type="submit" disabled={deploy.isPending}>
        {deploy.isPending ? 'Deploying…' : 'Deploy'}
      </button>
      {deploy.error && <ErrorNote error={deploy.error} what="Deploying" />}
    </form>
  );
}

function LiveDeployment({ id, mayAct }: { id: string; mayAct: boolean }) {
  const { deployment: d, state } = useLiveDeployment(id);
  if (!d) return <p className="muted">Loading the deployment…</p>;
  const s = d.state;
  const byCluster = new Map(s.clusters.map((c) => [c.cluster, c]));
  return (
    <section className="card deployment" aria-labelledby="deployment-title" data-status={s.status}>
      <h2 id="deployment-title">
        {shipped(s)}{' '}
        <span className={`pill ${STATUS_CLASS[s.status]}`} data-testid="deployment-status">
          {s.status}
        </span>
        {state !== 'ended' && (
          <span className="muted small" role="status">
            {' '}
            {state === 'live' ? 'live' : state === 'connecting' ? 'connecting…' : 'reconnecting…'}
          </span>
        )}
      </h2>
      <p className="muted small">
        Requested by {s.requestedBy ?? 'unknown'} {when(s.requestedAt)}
        {s.reason && <> — “{s.reason}”</>}
        {s.commit && (
          <>
            {' '}
            · commit <code>{s.commit.sha.slice(0, 12)}</code>
          </>
        )}
      </p>
      {s.failure && (
        <div className="note bad" data-testid="deployment-failure">
          <b>{s.status === 'cancelled' ? 'Stopped' : 'Failed'}:</b> {s.failure.reason}
          {(s.failure.findings ?? []).length > 0 && (
            <ul>
              {s.failure.findings?.map((f) => (
                <li key={`${f.cluster}/${f.object}/${f.rule}`}>
                  <span className={`pill ${f.severity === 'critical' ? 'bad' : 'warn'}`}>{f.severity}</span>{' '}
                  {f.cluster} · {f.object}: {f.summary}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {s.plan && (
        <div className="table-scroll">
          <table className="grid deploy-grid" aria-label="Waves and clusters">
            <thead>
              <tr>
                <th scope="col">Wave</th>
                <th scope="col">Clusters</th>
              </tr>
            </thead>
            <tbody>
              {s.plan.waves.map((w) => (
                <tr
                  key={w.index}
                  data-wave={w.index}
                  className={w.index === s.wave && isActiveStatus(s.status) ? 'current' : undefined}
                >
                  <th scope="row">
                    {w.name}
                    <div className="small muted">
                      soak {w.soakSeconds} s · {w.maxConcurrency} at a time
                      {w.requiresApproval &&
                        ` · ${s.approvedWaves.includes(w.index) ? 'approved' : 'needs approval'}`}
                    </div>
                  </th>
                  <td>
                    <ul className="deploy-cells">
                      {w.clusters.map((name) => (
                        <ClusterCell key={name} name={name} c={byCluster.get(name)} />
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {mayAct && d.allowedActions.length > 0 && <Actions id={d.id} actions={d.allowedActions} />}
    </section>
  );
}

function ClusterCell({ name, c }: { name: string; c: ClusterDeployState | undefined }) {
  const status = c?.status ?? 'pending';
  // The one sentence: what a cluster not done waits for, or why it failed.
  const reason = status === 'passed' || status === 'rolled-back' ? undefined : c?.reason;
  return (
    <li className={`deploy-cell ${status}`} data-cluster={name} data-status={status}>
      <span className="cell-name">{name}</span> <span className="deploy-cell-status">{status}</span>
      {c?.unreachableSince && <span className="pill bad">unreachable</span>}
      {reason && <div className="small deploy-cell-reason">{reason}</div>}
    </li>
  );
}

function Actions({ id, actions }: { id: string; actions: DeploymentAction[] }) {
  const client = useQueryClient();
  const [reason, setReason] = useState('');
  const act = useMutation({
    mutationFn: (action: DeploymentAction) =>
      api<Deployment>(`/api/deployments/${encodeURIComponent(id)}/${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(reason.trim() ? { reason: reason.trim() } : {}),
      }),
    onSuccess: () => {
      setReason('');
      void client.invalidateQueries({ queryKey: ['deployments'] });
    },
  });
  return (
    <div className="deploy-actions">
      <label className="grow">
        Why (recorded) <input value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      {actions.map((a) => (
        <button key={a} type="button" disabled={act.isPending} onClick={() => act.mutate(a)}>
          {ACTION_LABELS[a]}
        </button>
      ))}
      {act.error && <ErrorNote error={act.error} what={`${ACTION_LABELS[act.variables ?? 'pause']}`} />}
    </div>
  );
}

function when(iso: string | undefined): string {
  if (!iso) return '—';
  const t = new Date(iso);
  return t.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
