// One object of the service in a modal dialog: its YAML (as the watch keeps it), its events as a
// timeline, and its tree; a click on a node of the tree opens that object. Loaded lazily with the
// YAML highlighter. Highlighting renders Prism's tokens as React elements: no HTML is ever built
// from an object's text (labels and annotations are untrusted).
import type { TreeNode } from '@portolan/core/services/tree';
import type { EventView } from '@portolan/core/services/types';
import { useQuery } from '@tanstack/react-query';
import Prism from 'prismjs';
import 'prismjs/components/prism-yaml';
import { type ReactNode, useEffect, useRef, useState } from 'react';
import { api } from '../api.ts';
import { ErrorNote } from './ErrorNote.tsx';

export interface ObjectTarget {
  cluster: string;
  kind: string;
  namespace: string;
  name: string;
}

interface ObjectDetail extends ObjectTarget {
  yaml: string;
  events: EventView[];
  tree: TreeNode;
}

type Tab = 'yaml' | 'events' | 'tree';

export default function ObjectDialog({
  entityRef,
  target: initial,
  onClose,
}: {
  entityRef: string;
  target: ObjectTarget;
  onClose: () => void;
}) {
  const [target, setTarget] = useState(initial);
  const [tab, setTab] = useState<Tab>('yaml');
  const dialog = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    dialog.current?.showModal();
    return () => opener?.focus();
  }, []);
  const path = `/api/services/${encodeURIComponent(entityRef)}/objects/${[target.cluster, target.kind, target.namespace, target.name].map(encodeURIComponent).join('/')}`;
  const query = useQuery({ queryKey: ['object', path], queryFn: () => api<ObjectDetail>(path) });
  const d = query.data;
  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes the dialog natively
    <dialog
      ref={dialog}
      className="object"
      aria-labelledby="object-title"
      onClose={onClose}
      onClick={(e) => {
        if (e.target === dialog.current) dialog.current?.close();
      }}
    >
      <div className="object-inner">
        <header>
          <h2 id="object-title">
            {target.kind} {target.namespace}/{target.name} <span className="muted">· {target.cluster}</span>
          </h2>
          <button type="button" onClick={() => dialog.current?.close()} className="close">
            Close
          </button>
        </header>
        <div className="object-tabs" role="tablist" aria-label="Object">
          {(['yaml', 'events', 'tree'] as const).map((t) => (
            <button
              key={t}
              type="button"
              role="tab"
              id={`object-tab-${t}`}
              aria-selected={tab === t}
              aria-controls="object-panel"
              onClick={() => setTab(t)}
            >
              {t === 'yaml' ? 'YAML' : t === 'events' ? `Events${d ? ` (${d.events.length})` : ''}` : 'Tree'}
            </button>
          ))}
        </div>
        <div className="object-body" id="object-panel" role="tabpanel" aria-labelledby={`object-tab-${tab}`}>
          {query.error && <ErrorNote error={query.error} what={`Loading ${target.kind} ${target.name}`} />}
          {!d && !query.error && <p className="muted">Loading…</p>}
          {d && tab === 'yaml' && (
            <>
              <p className="small muted">
                The fields the portal keeps of this object, as its watch holds them.
              </p>
              <pre className="yaml">
                <code>{highlight(d.yaml)}</code>
              </pre>
            </>
          )}
          {d && tab === 'events' && <Timeline events={d.events} />}
          {d && tab === 'tree' && (
            <ul className="tree">
              <TreeItem
                node={d.tree}
                onOpen={(n) => setTarget({ cluster: target.cluster, ...n })}
                current={target}
              />
            </ul>
          )}
        </div>
      </div>
    </dialog>
  );
}

function highlight(yaml: string): ReactNode[] {
  const grammar = Prism.languages.yaml;
  if (!grammar) return [yaml];
  const render = (tokens: (string | Prism.Token)[] | string | Prism.Token, key: string): ReactNode => {
    if (typeof tokens === 'string') return tokens;
    if (Array.isArray(tokens)) return tokens.map((t, i) => render(t, `${key}.${i}`));
    return (
      <span key={key} className={`tok-${tokens.type}`}>
        {render(tokens.content as (string | Prism.Token)[], key)}
      </span>
    );
  };
  return Prism.tokenize(yaml, grammar).map((t, i) => render(t, String(i)));
}

function Timeline({ events }: { events: EventView[] }) {
  if (events.length === 0) return <p className="muted">No events (clusters keep them for about an hour).</p>;
  return (
    <ol className="timeline">
      {events.map((e, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: events repeat their reason and object
        <li key={i} className={`timeline-item${e.type === 'Warning' ? ' warning' : ''}`}>
          <time dateTime={e.lastTimestamp}>
            {e.lastTimestamp ? new Date(e.lastTimestamp).toLocaleString() : '—'}
          </time>
          <div>
            <b>{e.reason}</b>
            {e.type === 'Warning' && <span className="pill warn">warning</span>}
            {e.count !== undefined && e.count > 1 && <span className="pill">×{e.count}</span>}{' '}
            <span className="muted">
              {e.object.kind} {e.object.name}
            </span>
            <div className="event-message">{e.message}</div>
          </div>
        </li>
      ))}
    </ol>
  );
}

function TreeItem({
  node,
  onOpen,
  current,
}: {
  node: TreeNode;
  onOpen: (n: { kind: string; namespace: string; name: string }) => void;
  current: ObjectTarget;
}) {
  const isCurrent =
    node.kind === current.kind && node.name === current.name && node.namespace === current.namespace;
  return (
    <li className="tree-node">
      {isCurrent ? (
        <b aria-current="true">
          {node.kind} {node.name}
        </b>
      ) : (
        <button
          type="button"
          className="linklike"
          onClick={() => onOpen({ kind: node.kind, namespace: node.namespace, name: node.name })}
        >
          {node.kind} {node.name}
        </button>
      )}
      {node.status && (
        <span className={`pill ${node.ready ? 'ok' : node.status === 'Running' ? 'warn' : 'bad'}`}>
          {node.status}
          {node.ready ? ', ready' : ''}
        </span>
      )}
      {node.children.length > 0 && (
        <ul>
          {node.children.map((c) => (
            <TreeItem key={`${c.kind}/${c.name}`} node={c} onOpen={onOpen} current={current} />
          ))}
        </ul>
      )}
    </li>
  );
}
