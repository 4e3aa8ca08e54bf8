import { UnavailableError } from '@portolan/core/errors';

/** Says what failed (`what`: "Loading the catalog") and why, in words a user can act on. */
export function ErrorNote({ error, what }: { error: unknown; what: string }) {
  const message = error instanceof Error ? error.message : String(error);
  // fetch() rejects with a TypeError when no answer came at all.
  const hint =
    error instanceof UnavailableError
      ? 'Something the portal depends on is unavailable; try again shortly.'
      : error instanceof TypeError
        ? 'The portal did not answer: check the connection, then reload.'
        : undefined;
  return (
    <div className="note bad" role="alert">
      <b>{what} failed:</b> {message}
      {hint && <div className="small">{hint}</div>}
    </div>
  );
}
