export function ErrorNote({ error }: { error: unknown }) {
  const message = error instanceof Error ? error.message : String(error);
  return (
    <div className="note bad" role="alert">
      {message}
    </div>
  );
}
