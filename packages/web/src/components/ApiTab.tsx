import type {
  ApiOperation,
  ApiRelations,
  DefinitionView,
  OperationBody,
  RelatedEntity,
} from '@portolan/core/apis/definition';
import { useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useLocation } from 'react-router';
import { api } from '../api.ts';
import { type FleetSummary, SEVERITY_CLASS } from '../findings.ts';
import { EntityLink } from './EntityLink.tsx';
import { ErrorNote } from './ErrorNote.tsx';

/** The API tab: an API's definition and who provides and consumes it, or a Component's APIs. */
export function ApiTab({ base, kind }: { base: string; kind: string }) {
  const relations = useQuery({
    queryKey: ['api-relations', base],
    queryFn: () => api<ApiRelations>(`${base}/api-relations`),
  });
  const isApi = kind.toLowerCase() === 'api';
  return (
    <>
      {relations.error && <ErrorNote error={relations.error} what="Loading API relations" />}
      {relations.data && isApi && (
        <div className="columns">
          <RelatedList title="Provided by" items={relations.data.apiProvidedBy} health />
          <RelatedList title="Consumed by" items={relations.data.apiConsumedBy} health />
        </div>
      )}
      {relations.data && !isApi && (
        <div className="columns">
          <RelatedList title="Provides APIs" items={relations.data.providesApi} />
          <RelatedList title="Consumes APIs" items={relations.data.consumesApi} />
        </div>
      )}
      {isApi && <Definition base={base} />}
    </>
  );
}

function RelatedList({ title, items, health }: { title: string; items: RelatedEntity[]; health?: boolean }) {
  const refs = items.filter((i) => i.found && i.ref.startsWith('component:')).map((i) => i.ref);
  const summary = useQuery({
    queryKey: ['related-health', refs],
    enabled: Boolean(health) && refs.length > 0,
    retry: false,
    queryFn: () =>
      api<FleetSummary>(
        `/api/findings/summary?${new URLSearchParams({ service: refs.join(','), top: '500' })}`,
      ),
  });
  const worst = new Map((summary.data?.worstServices ?? []).map((s) => [s.key, s]));
  return (
    <section className="card">
      <h2>{title}</h2>
      {items.length === 0 ? (
        <p className="muted">None</p>
      ) : (
        <ul className="related">
          {items.map((item) => {
            const h = worst.get(item.ref);
            return (
              <li key={item.ref} className="related-item">
                <EntityLink entityRef={item.ref} />
                {!item.found && <span className="pill warn">not in the catalog</span>}
                {item.type && <span className="muted"> · {item.type}</span>}
                {item.definition && (
                  <span className="muted">
                    {' · '}
                    {item.definition.format === 'asyncapi'
                      ? `${item.definition.channels} channel${item.definition.channels === 1 ? '' : 's'}`
                      : `${item.definition.operations} operation${item.definition.operations === 1 ? '' : 's'}`}
                  </span>
                )}
                {item.definition && item.definition.errors > 0 && (
                  <span className="pill bad">definition has errors</span>
                )}
                {health && summary.data && (
                  <span className={`pill ${h?.worst ? SEVERITY_CLASS[h.worst] : 'ok'}`}>
                    {h?.worst ?? 'healthy'}
                  </span>
                )}
                {item.description && <div className="muted small">{item.description}</div>}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

function Definition({ base }: { base: string }) {
  const query = useQuery({
    queryKey: ['definition', base],
    queryFn: () => api<DefinitionView>(`${base}/definition`),
  });
  // A search result leads to one operation or channel (#op-3): it is opened and scrolled to.
  const { hash } = useLocation();
  useEffect(() => {
    if (query.data && hash) document.getElementById(hash.slice(1))?.scrollIntoView();
  }, [query.data, hash]);
  if (query.error) return <ErrorNote error={query.error} what="Loading the API definition" />;
  const d = query.data;
  if (!d) return <p className="muted">Loading…</p>;
  return (
    <section className="card definition-view" aria-label="API definition">
      <h2>
        {d.title ?? 'Definition'}
        {d.version && <span className="muted"> · {d.version}</span>}
      </h2>
      <p className="muted">
        {d.type || 'unknown type'}
        {d.format === 'openapi' && ` · ${d.operations.length} operations`}
        {d.format === 'asyncapi' && ` · ${d.channels.length} channels`}
        {(d.format === 'graphql' || d.format === 'grpc') && ` · ${d.operations.length} operations`}
        {' · '}
        <a href={`${base}/definition/raw`}>Raw source</a>
      </p>
      {d.description && <p>{d.description}</p>}
      {d.problems.length > 0 && (
        <ul className="problems">
          {d.problems.map((p, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: problems have no identity of their own
            <li key={i} className={p.severity === 'error' ? 'bad' : 'warn'}>
              {p.line && <code>line {p.line}</code>} {p.message}
            </li>
          ))}
        </ul>
      )}
      {d.operations.length > 0 && (
        <ul className="operations">
          {d.operations.map((op, i) => (
            <Operation
              key={`${op.method} ${op.path}`}
              op={op}
              anchor={`op-${i}`}
              open={hash === `#op-${i}`}
            />
          ))}
        </ul>
      )}
      {d.channels.map((c, i) => (
        <details key={c.address} id={`channel-${i}`} className="operation" open={hash === `#channel-${i}`}>
          <summary>
            <span className="method">{c.actions.join(' / ') || 'channel'}</span> <code>{c.address}</code>
            {c.description && <span className="muted"> {c.description}</span>}
          </summary>
          {c.messages.map((m, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: anonymous messages have no other identity
            <div key={i}>
              <h4>
                {m.title ?? m.name ?? 'Message'}
                {m.contentType && <span className="muted"> · {m.contentType}</span>}
              </h4>
              {m.summary && <p>{m.summary}</p>}
              {m.payload !== undefined && <Schema value={m.payload} />}
            </div>
          ))}
        </details>
      ))}
      <details className="source" open={d.operations.length === 0 && d.channels.length === 0}>
        <summary>Source</summary>
        {d.highlighted !== undefined ? (
          // Built on the server by highlight.js from escaped text and passed through its allow-list
          // sanitiser: spans with hljs classes only.
          // biome-ignore lint/security/noDangerouslySetInnerHtml: sanitised on the server, see above
          <pre className="definition hljs" dangerouslySetInnerHTML={{ __html: d.highlighted }} />
        ) : (
          <pre className="definition">{d.source}</pre>
        )}
      </details>
    </section>
  );
}

/** An operation; `anchor` is its id, which search results link to (and then open it). */
function Operation({ op, anchor, open }: { op: ApiOperation; anchor: string; open: boolean }) {
  return (
    <li id={anchor}>
      <details className="operation" open={open}>
        <summary>
          <span className={`method m-${op.method.toLowerCase()}`}>{op.method}</span> <code>{op.path}</code>
          {op.summary && <span> {op.summary}</span>}
          {op.deprecated && <span className="pill warn">deprecated</span>}
        </summary>
        {op.description && <p className="prose-text">{op.description}</p>}
        {op.parameters.length > 0 && (
          <table>
            <caption>Parameters</caption>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">In</th>
                <th scope="col">Type</th>
                <th scope="col">Description</th>
              </tr>
            </thead>
            <tbody>
              {op.parameters.map((p) => (
                <tr key={`${p.in}:${p.name}`}>
                  <td>
                    <code>{p.name}</code>
                    {p.required && <span className="muted"> required</span>}
                  </td>
                  <td>{p.in}</td>
                  <td>{typeName(p.schema)}</td>
                  <td>{p.description}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
        {op.requestBody.length > 0 && <Bodies title="Request body" bodies={op.requestBody} />}
        {op.responses.map((r) => (
          <div key={r.status}>
            <h4>
              {r.status}
              {r.description && <span className="muted"> {r.description}</span>}
            </h4>
            {r.content.length > 0 && <Bodies bodies={r.content} />}
          </div>
        ))}
      </details>
    </li>
  );
}

function Bodies({ title, bodies }: { title?: string; bodies: OperationBody[] }) {
  return (
    <>
      {title && <h4>{title}</h4>}
      {bodies.map((b) => (
        <div key={b.contentType}>
          <p className="muted">{b.contentType}</p>
          {b.schema !== undefined && <Schema value={b.schema} />}
        </div>
      ))}
    </>
  );
}

function Schema({ value }: { value: unknown }) {
  return <pre className="schema">{JSON.stringify(value, null, 2)}</pre>;
}

function typeName(schema: unknown): string {
  if (typeof schema !== 'object' || schema === null) return '';
  const s = schema as { type?: unknown; items?: { type?: unknown }; format?: unknown };
  if (s.type === 'array' && s.items) return `${String(s.items.type ?? 'object')}[]`;
  return [s.type, s.format].filter((x) => typeof x === 'string').join(' · ');
}
