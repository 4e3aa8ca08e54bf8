/** What a response left out because the user's own Kubernetes permissions do not allow it. */
export interface Denied {
  cluster: string;
  namespace: string;
  kind?: string;
  message: string;
}

/** Says that, and where: an empty page must not read as "nothing is wrong". */
export function DeniedNote({ denied }: { denied: readonly Denied[] | undefined }) {
  const messages = [...new Set((denied ?? []).map((d) => d.message))];
  if (messages.length === 0) return null;
  const shown = messages.slice(0, 5);
  return (
    <div className="note warn" role="note">
      <b>Some of this is left out:</b> your Kubernetes permissions do not allow reading it.
      <ul className="small">
        {shown.map((m) => (
          <li key={m}>{m}</li>
        ))}
        {messages.length > shown.length && <li>and {messages.length - shown.length} more</li>}
      </ul>
    </div>
  );
}
