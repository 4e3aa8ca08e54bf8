import { useEffect, useRef, useState } from 'react';

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

/**
 * One pod's log in a modal dialog: the current or previous container, a container picker, a text
 * filter, pause, wrap and download. Lines are text, never markup. Escape closes it and focus goes
 * back to what opened it.
 */
export function LogViewer({
  entityRef,
  target,
  onClose,
}: {
  entityRef: string;
  target: LogTarget;
  onClose: () => void;
}) {
  const { cluster, namespace, pod } = target;
  const containers = target.containers ?? [];
  const [container, setContainer] = useState(target.container ?? containers[0] ?? '');
  const [previous, setPrevious] = useState(target.previous ?? false);
  const [filter, setFilter] = useState('');
  const [paused, setPaused] = useState(false);
  const [wrap, setWrap] = useState(true);
  const [lines, setLines] = useState<string[]>([]);
  const [status, setStatus] = useState('connecting');
  const dialog = useRef<HTMLDialogElement>(null);
  const end = useRef<HTMLDivElement>(null);
  const buffered = useRef<string[]>([]);
  const pausedRef = useRef(paused);
  pausedRef.current = paused;

  // A modal dialog: the rest of the page is inert while it is open.
  useEffect(() => {
    const opener = document.activeElement as HTMLElement | null;
    dialog.current?.showModal();
    return () => opener?.focus();
  }, []);

  useEffect(() => {
    setLines([]);
    buffered.current = [];
    setStatus('connecting');
    const params = new URLSearchParams({ cluster, namespace, pod, tailLines: '500', format: 'sse' });
    if (container) params.set('container', container);
    // A previous container has ended: there is nothing to follow.
    if (previous) params.set('previous', 'true');
    else params.set('follow', 'true');
    const source = new EventSource(`/api/services/${encodeURIComponent(entityRef)}/logs?${params}`);
    source.addEventListener('line', (e) => {
      const { line } = JSON.parse((e as MessageEvent<string>).data) as { line: string };
      if (pausedRef.current) buffered.current.push(line);
      else setLines((old) => [...old.slice(-(MAX_LINES - 1)), line]);
      setStatus(previous ? 'previous container' : 'following');
    });
    source.addEventListener('end', () => {
      setStatus(previous ? 'previous container, complete' : 'ended');
      source.close();
    });
    source.addEventListener('error', (e) => {
      const data = (e as MessageEvent<string>).data;
      if (data) setStatus(`failed: ${(JSON.parse(data) as { message: string }).message}`);
      else if (source.readyState === EventSource.CLOSED) setStatus('failed: the log stream was refused');
      source.close();
    });
    return () => source.close();
  }, [entityRef, cluster, namespace, pod, container, previous]);

  // Resuming shows what arrived while paused.
  useEffect(() => {
    if (!paused && buffered.current.length > 0) {
      const more = buffered.current;
      buffered.current = [];
      setLines((old) => [...old, ...more].slice(-MAX_LINES));
    }
  }, [paused]);

  const needle = filter.toLowerCase();
  const shown = needle ? lines.filter((l) => l.toLowerCase().includes(needle)) : lines;

  // Keep the newest line in view as lines arrive, unless paused.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on purpose whenever lines change
  useEffect(() => {
    if (!paused) void end.current?.scrollIntoView({ block: 'end' });
  }, [lines]);

  const download = () => {
    const blob = new Blob([`${lines.join('\n')}\n`], { type: 'text/plain' });
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
            {needle && ` · ${shown.length} of ${lines.length} lines match`}
            {paused && buffered.current.length > 0 && ` · ${buffered.current.length} new while paused`}
          </span>
        </div>
        <pre className={wrap ? 'wrap' : ''}>
          {shown.length === 0 && status.startsWith('previous container, complete')
            ? '(no lines)'
            : shown.join('\n')}
          <div ref={end} />
        </pre>
      </div>
    </dialog>
  );
}
