import {
  type FollowedPod,
  followedContainer,
  nextPodToFollow,
  workloadOfPod,
} from '@portolan/core/services/follow';
import type { ServiceView } from '@portolan/core/services/types';
import { type ReactNode, useEffect, useRef, useState } from 'react';

const MAX_LINES = 5000;

export interface LogTarget {
  cluster: string;
  namespace: string;
  pod: string;
  /** Containers of the pod, for the picker; the first is the default. */
  containers?: string[];
  container?: string;
  /** Start on the previous container's logs: what a crash loop tells people to read. */
  previous?: boolean;
}

/** A log line (untrusted text), or a line of the viewer's own saying which pod it follows now. */
type Line = string | { marker: string; id: number };

const textOf = (l: Line) => (typeof l === 'string' ? l : l.marker);

/**
 * One pod's log in a modal dialog: the current or previous container, a container picker, a text
 * filter, pause, wrap and download. Lines are text, never markup. Escape closes it and focus goes
 * back to what opened it. A followed live log follows its workload: when the pod's log ends and
 * the live view shows its container running again, or the pod replaced, it goes on there after a
 * marker line, keeping filter, pause and wrap.
 */
export function LogViewer({
  entityRef,
  target,
  view,
  onClose,
}: {
  entityRef: string;
  target: LogTarget;
  /** The live service view: where a followed pod's successor is found. */
  view?: ServiceView;
  onClose: () => void;
}) {
  const { cluster, namespace } = target;
  const [pod, setPod] = useState(target.pod);
  // Bumped to open the same pod's log again (its container restarted in place).
  const [generation, setGeneration] = useState(0);
  const [ended, setEnded] = useState<FollowedPod>();
  const containers = target.containers ?? [];
  const [container, setContainer] = useState(target.container ?? containers[0] ?? '');
  const [previous, setPrevious] = useState(target.previous ?? false);
  const [filter, setFilter] = useState('');
  const [paused, setPaused] = useState(false);
  const [wrap, setWrap] = useState(true);
  const [lines, setLines] = useState<Line[]>([]);
  const [status, setStatus] = useState('connecting');
  const dialog = useRef<HTMLDialogElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const buffered = useRef<Line[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;
  const viewRef = useRef(view);
  viewRef.current = view;
  // Set when the next stream continues the lines shown rather than starting over.
  const continuing = useRef(false);
  const markers = useRef(0);
  const add = (line: Line) => {
    if (pausedRef.current) buffered.current.push(line);
    else setLines((old) => [...old.slice(-(MAX_LINES - 1)), line]);
  };

  // A modal dialog: the rest of the page is inert while it is open.
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    dialog.current?.showModal();
    return () => opener?.focus();
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: a new generation is a new stream of the same pod
  useEffect(() => {
    if (continuing.current) continuing.current = false;
    else {
      setLines([]);
      buffered.current = [];
    }
    setEnded(undefined);
    setStatus('connecting');
    // What to look for once this live log ends: the pod's workload and its container's restarts.
    let followed: FollowedPod | undefined;
    const w = !previous && viewRef.current && workloadOfPod(viewRef.current, cluster, namespace, pod);
    if (w) {
      const p = w.pods.find((x) => x.namespace === namespace && x.name === pod);
      followed = {
        cluster,
        namespace,
        workload: { kind: w.kind, name: w.name },
        pod,
        ...(container ? { container } : {}),
        restarts: (p && followedContainer(p, container || undefined)?.restarts) ?? 0,
      };
    }
    const params = new URLSearchParams({ cluster, namespace, pod, tailLines: '500', format: 'sse' });
    if (container) params.set('container', container);
    // A previous container has ended: there is nothing to follow.
    if (previous) params.set('previous', 'true');
    else params.set('follow', 'true');
    const source = new EventSource(`/api/services/${encodeURIComponent(entityRef)}/logs?${params}`);
    source.addEventListener('line', (e) => {
      const { line } = JSON.parse((e as MessageEvent<string>).data) as { line: string };
      add(line);
      setStatus(previous ? 'previous container' : 'following');
    });
    source.addEventListener('end', () => {
      setStatus(
        previous
          ? 'previous container, complete'
          : followed
            ? 'ended · waiting for a restart or replacement'
            : 'ended',
      );
      if (followed) setEnded(followed);
      source.close();
    });
    source.addEventListener('error', (e) => {
      const data = (e as MessageEvent<string>).data;
      let failed: string | undefined;
      if (data) failed = `failed: ${(JSON.parse(data) as { message: string }).message}`;
      else if (source.readyState === EventSource.CLOSED) failed = 'failed: the log stream was refused';
      if (failed) {
        setStatus(failed);
        // The pod may have gone between the view and the request: its successor may still come.
        if (followed) setEnded(followed);
      }
      source.close();
    });
    return () => source.close();
  }, [entityRef, cluster, namespace, pod, container, previous, generation]);

  // A followed log that ended goes on with the same pod restarted, or the workload's newest pod.
  // biome-ignore lint/correctness/useExhaustiveDependencies: add only appends, whatever render it is from
  useEffect(() => {
    if (!ended || !view) return;
    const next = nextPodToFollow(view, ended);
    if (!next) return;
    add({
      id: ++markers.current,
      marker: next.replaced
        ? `— pod ${ended.pod} ended; following pod ${next.pod} —`
        : `— container of pod ${ended.pod} restarted; following it again —`,
    });
    continuing.current = true;
    setEnded(undefined);
    if (next.pod === ended.pod) setGeneration((g) => g + 1);
    else setPod(next.pod);
  }, [view, ended]);

  // Resuming shows what arrived while paused.
  useEffect(() => {
    if (!paused && buffered.current.length > 0) {
      const more = buffered.current;
      buffered.current = [];
      setLines((old) => [...old, ...more].slice(-MAX_LINES));
    }
  }, [paused]);

  const needle = filter.toLowerCase();
  // Markers stay through the filter: they say whose lines follow.
  const shown = needle
    ? lines.filter((l) => typeof l !== 'string' || l.toLowerCase().includes(needle))
    : lines;
  const count = (ls: Line[]) => ls.reduce((n, l) => n + (typeof l === 'string' ? 1 : 0), 0);
  // Runs of log lines as one text node each; markers set apart, so a log line cannot pass for one.
  const body: ReactNode[] = [];
  let run: string[] = [];
  for (const l of shown) {
    if (typeof l === 'string') run.push(l);
    else {
      if (run.length > 0) body.push(`${run.join('\n')}\n`);
      run = [];
      body.push(
        <span key={l.id} className="log-marker">
          {l.marker}
          {'\n'}
        </span>,
      );
    }
  }
  if (run.length > 0) body.push(run.join('\n'));

  // Keep the newest line in view as lines arrive, unless paused.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on purpose whenever lines change
  useEffect(() => {
    if (!paused) void end.current?.scrollIntoView({ block: 'end' });
  }, [lines]);

  const download = () => {
    const blob = new Blob([`${lines.map(textOf).join('\n')}\n`], { type: 'text/plain' });
    const a = document.createElement('a');
    a.href = URL.createObjectURL(blob);
    a.download = `${cluster}_${pod}${container ? `_${container}` : ''}${previous ? '_previous' : ''}.log`;
    a.click();
    URL.revokeObjectURL(a.href);
  };

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape closes the dialog natively
    <dialog
      ref={dialog}
      className="logs"
      aria-labelledby="logs-title"
      onClose={onClose}
      onClick={(e) => {
        // A click on the backdrop (the dialog element itself, outside its content) closes it.
        if (e.target === dialog.current) dialog.current?.close();
      }}
    >
      <div className="logs-inner">
        <header>
          <h2 id="logs-title">
            Logs · {cluster} · {namespace}/{pod}
          </h2>
          <button type="button" onClick={() => dialog.current?.close()} className="close">
            Close
          </button>
        </header>
        <div className="logs-tools">
          {containers.length > 1 && (
            <select aria-label="Container" value={container} onChange={(e) => setContainer(e.target.value)}>
              {containers.map((c) => (
                <option key={c} value={c}>
                  {c}
                </option>
              ))}
            </select>
          )}
          <label>
            <input type="checkbox" checked={previous} onChange={(e) => setPrevious(e.target.checked)} />{' '}
            Previous container
          </label>
          {/* Text, not search: Escape should close the dialog, not clear the box. */}
          <input
            type="text"
            aria-label="Filter lines"
            placeholder="Filter lines"
            value={filter}
            onChange={(e) => setFilter(e.target.value)}
          />
          <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>
            {paused ? 'Resume' : 'Pause'}
          </button>
          <label>
            <input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.target.checked)} /> Wrap
          </label>
          <button type="button" onClick={download} disabled={lines.length === 0}>
            Download
          </button>
          <span className="status" role="status">
            {status}
            {needle && ` · ${count(shown)} of ${count(lines)} lines match`}
            {paused && buffered.current.length > 0 && ` · ${buffered.current.length} new while paused`}
          </span>
        </div>
        <pre className={wrap ? 'wrap' : ''}>
          {shown.length === 0 && status.startsWith('previous container, complete') ? '(no lines)' : body}
          <div ref={end} />
        </pre>
      </div>
    </dialog>
  );
}
