import type { DocsSite } from '@portolan/core/docs/site';
import { useQuery } from '@tanstack/react-query';
import { NavLink, useParams } from 'react-router';
import { type ApiEntity, api, entityPath, refOf, safeHref, shortRef } from '../api.ts';
import { ApiTab } from '../components/ApiTab.tsx';
import { DeploymentsTab, DeploymentsTabLink } from '../components/DeploymentsTab.tsx';
import { DocsTab } from '../components/DocsTab.tsx';
import { EntityLink } from '../components/EntityLink.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';
import { KubernetesPanel } from '../components/KubernetesPanel.tsx';
import { PageHeader } from '../components/PageHeader.tsx';

const RELATION_LABELS: Record<string, string> = {
  ownedBy: 'Owned by',
  ownerOf: 'Owns',
  partOf: 'Part of',
  hasPart: 'Has parts',
  providesApi: 'Provides APIs',
  apiProvidedBy: 'Provided by',
  consumesApi: 'Consumes APIs',
  apiConsumedBy: 'Consumed by',
  dependsOn: 'Depends on',
  dependencyOf: 'Dependency of',
  memberOf: 'Member of',
  hasMember: 'Members',
  parentOf: 'Sub-groups',
  childOf: 'Parent group',
};

export type EntityTab = 'overview' | 'api' | 'docs' | 'deployments';

const API_RELATION_TYPES = new Set(['providesApi', 'consumesApi']);

export function EntityPage({ tab = 'overview' }: { tab?: EntityTab }) {
  const { kind = '', namespace = '', name = '' } = useParams();
  const path = `/api/catalog/entities/by-name/${encodeURIComponent(kind)}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  const pagePath = `/catalog/${encodeURIComponent(kind)}/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}`;
  const query = useQuery({ queryKey: ['entity', path], queryFn: () => api<ApiEntity>(path) });
  // Docs may come from an annotation or from a mkdocs.yml beside the descriptor: the server knows.
  const docs = useQuery({
    queryKey: ['docs', path],
    retry: false,
    queryFn: () => api<DocsSite>(`${path}/docs`),
  });
  const e = query.data;
  const crumbs = [{ label: 'Catalog', to: '/catalog' }];
  if (!e) {
    return (
      <article>
        <PageHeader title={name} crumbs={crumbs} kicker={kind} />
        {query.error ? (
          <ErrorNote error={query.error} what={`Loading ${kind} ${namespace}/${name}`} />
        ) : (
          <p className="muted">Loading…</p>
        )}
      </article>
    );
  }
  const grouped = new Map<string, string[]>();
  for (const r of e.relations ?? []) grouped.set(r.type, [...(grouped.get(r.type) ?? []), r.targetRef]);
  const spec = e.spec ?? {};
  const hasApiTab = e.kind === 'API' || (e.relations ?? []).some((r) => API_RELATION_TYPES.has(r.type));
  const hasDocs = docs.data !== undefined;
  // What runs in clusters, and so is deployed: the Components (their live view is on the overview).
  const isService = e.kind === 'Component';
  return (
    <article>
      <PageHeader
        title={e.metadata.title ?? e.metadata.name}
        crumbs={[...crumbs, ...(typeof spec.owner === 'string' ? [ownerCrumb(spec.owner)] : [])]}
        kicker={
          <>
            {e.kind}
            {typeof spec.type === 'string' && ` · ${spec.type}`}
            {typeof spec.lifecycle === 'string' && ` · ${spec.lifecycle}`}
            {e.status.orphan && <span className="pill warn">orphan</span>}
          </>
        }
      />
      {e.metadata.description && <p>{e.metadata.description}</p>}
      <div className="tags">
        {(e.metadata.tags ?? []).map((t) => (
          <span key={t} className="pill">
            {t}
          </span>
        ))}
      </div>
      {e.status.items.length > 0 && (
        <ul className="problems">
          {e.status.items.map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: problems have no identity of their own
            <li key={i} className={p.level === 'error' ? 'bad' : 'warn'}>
              {p.file && (
                <code>
                  {p.file}
                  {p.line ? `:${p.line}` : ''}
                  {p.column ? `:${p.column}` : ''}
                </code>
              )}{' '}
              {p.message}
            </li>
          ))}
        </ul>
      )}
      <nav className="tabs" aria-label="Entity sections">
        <NavLink to={pagePath} end>
          Overview
        </NavLink>
        {hasApiTab && <NavLink to={`${pagePath}/api`}>API</NavLink>}
        {hasDocs && <NavLink to={`${pagePath}/docs`}>Docs</NavLink>}
        {isService && (
          <DeploymentsTabLink
            entityRef={refOf(e)}
            to={`${pagePath}/deployments`}
            current={tab === 'deployments'}
          />
        )}
      </nav>
      {tab === 'api' && <ApiTab base={path} kind={e.kind} />}
      {tab === 'docs' && <DocsTab base={path} pagePath={`${pagePath}/docs`} />}
      {tab === 'deployments' && isService && <DeploymentsTab entityRef={refOf(e)} />}
      {tab === 'overview' && isService && <KubernetesPanel entityRef={refOf(e)} />}
      {tab === 'overview' && (
        <div className="columns">
          <section className="card">
            <h2>Relations</h2>
            {grouped.size === 0 && <p className="muted">None</p>}
            <dl>
              {[...grouped].map(([type, targets]) => (
                <div key={type}>
                  <dt>{RELATION_LABELS[type] ?? type}</dt>
                  <dd>
                    {targets.map((t) => (
                      <span key={t} className="rel">
                        <EntityLink entityRef={t} />
                      </span>
                    ))}
                  </dd>
                </div>
              ))}
            </dl>
          </section>
          <section className="card">
            <h2>About</h2>
            <dl>
              <dt>Reference</dt>
              <dd>
                <code>{refOf(e)}</code>
              </dd>
              <dt>Defined in</dt>
              <dd>
                <code>
                  {e.origin.file}:{e.origin.line}
                </code>
              </dd>
              {(e.metadata.links ?? []).length > 0 && <dt>Links</dt>}
              {(e.metadata.links ?? []).map((l) => {
                const href = safeHref(l.url);
                return (
                  <dd key={l.url}>
                    {href ? (
                      <a href={href} rel="noreferrer noopener" target="_blank">
                        {l.title ?? l.url}
                      </a>
                    ) : (
                      <span>{l.title ?? l.url}</span>
                    )}
                  </dd>
                );
              })}
            </dl>
          </section>
        </div>
      )}
    </article>
  );
}

function ownerCrumb(owner: string) {
  const to = entityPath(owner, 'group');
  return { label: shortRef(owner, 'group'), ...(to ? { to } : {}) };
}
