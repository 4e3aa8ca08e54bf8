import { PageHeader } from '../components/PageHeader.tsx';

export function FindingsPage() {
  return (
    <section>
      <PageHeader title="Findings" crumbs={[{ label: 'Catalog', to: '/' }]} />
    </section>
  );
}
