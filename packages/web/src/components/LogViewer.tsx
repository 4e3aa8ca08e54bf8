import { useEffect, useRef, useState } from 'react';

const MAX_LINES = 2000;

/** Follows one pod's log over SSE; lines are text, never markup. */
export function LogViewer(props: {
  entityRef: string;
  cluster: string;
  namespace: string;
  pod: string;
  onClose: () => void;
}) {
  const { entityRef, cluster, namespace, pod, onClose } = props;
  const [lines, setLines] = useState<string[]>([]);
  const [status, setStatus] = useState('connecting');
  const end = useRef<HTMLDivElement>(null);
  useEffect(() => {
    setLines([]);
    const params = new URLSearchParams({
      cluster,
      namespace,
      pod,
      follow: 'true',
      tailLines: '200',
      format: 'sse',
    });
    const source = new EventSource(`/api/services/${encodeURIComponent(entityRef)}/logs?${params}`);
    source.addEventListener('line', (e) => {
      const { line } = JSON.parse((e as MessageEvent<string>).data) as { line: string };
      setLines((old) => [...old.slice(-(MAX_LINES - 1)), line]);
      setStatus('following');
    });
    source.addEventListener('end', () => {
      setStatus('ended');
      source.close();
    });
    source.addEventListener('error', (e) => {
      const data = (e as MessageEvent<string>).data;
      if (data) setStatus(`error: ${(JSON.parse(data) as { message: string }).message}`);
      else if (source.readyState === EventSource.CLOSED) setStatus('closed');
    });
    return () => source.close();
  }, [entityRef, cluster, namespace, pod]);
  // Keep the newest line in view as lines arrive.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on purpose whenever lines change
  useEffect(() => {
    // A block body on purpose: scrollIntoView may return a promise, which an effect must not.
    void end.current?.scrollIntoView({ block: 'end' });
  }, [lines]);
  return (
    <div className="logs" role="dialog" aria-label={`Logs of ${pod}`}>
      <header>
        <b>
          {cluster} · {namespace}/{pod}
        </b>{' '}
        <span className="muted">{status}</span>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </header>
      <pre>
        {lines.join('\n')}
        <div ref={end} />
      </pre>
    </div>
  );
}
