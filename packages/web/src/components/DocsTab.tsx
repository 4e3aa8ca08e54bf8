export function DocsTab({ base, pagePath }: { base: string; pagePath: string }) {
  return (
    <p className="muted" data-base={base} data-page={pagePath}>
      Docs are not available yet.
    </p>
  );
}
