import { Link, useLocation } from 'react-router';
import { PageHeader } from '../components/PageHeader.tsx';

export function NotFoundPage() {
  const { pathname } = useLocation();
  return (
    <section>
      <PageHeader title="Page not found" crumbs={[{ label: 'Home', to: '/' }]} />
      <p>
        There is no page at <code>{pathname}</code>.
      </p>
      <p>
        Try the <Link to="/">home page</Link>, the <Link to="/catalog">catalog</Link>, the{' '}
        <Link to="/findings">findings</Link> or the <Link to="/clusters">clusters</Link>.
      </p>
    </section>
  );
}
