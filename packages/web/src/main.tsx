import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import { createRoot } from 'react-dom/client';
import { createBrowserRouter, RouterProvider } from 'react-router';
import { Layout, RouteError } from './components/Layout.tsx';
import { CatalogPage } from './pages/CatalogPage.tsx';
import { ClusterPage } from './pages/ClusterPage.tsx';
import { ClustersPage } from './pages/ClustersPage.tsx';
import { DeliveryPage } from './pages/DeliveryPage.tsx';
import { EntityPage } from './pages/EntityPage.tsx';
import { FindingsPage } from './pages/FindingsPage.tsx';
import { HomePage } from './pages/HomePage.tsx';
import { NotFoundPage } from './pages/NotFoundPage.tsx';
import { SearchPage } from './pages/SearchPage.tsx';
import { TeamPage } from './pages/TeamPage.tsx';
import './styles.css';

const client = new QueryClient({ defaultOptions: { queries: { staleTime: 10_000, retry: 1 } } });

const router = createBrowserRouter([
  {
    element: <Layout />,
    errorElement: <RouteError />,
    children: [
      { path: '/', element: <HomePage /> },
      { path: '/catalog', element: <CatalogPage /> },
      { path: '/catalog/:kind/:namespace/:name', element: <EntityPage /> },
      { path: '/catalog/:kind/:namespace/:name/api', element: <EntityPage tab="api" /> },
      { path: '/catalog/:kind/:namespace/:name/docs/*', element: <EntityPage tab="docs" /> },
      { path: '/catalog/:kind/:namespace/:name/deployments', element: <EntityPage tab="deployments" /> },
      { path: '/search', element: <SearchPage /> },
      { path: '/teams/:ref', element: <TeamPage /> },
      { path: '/findings', element: <FindingsPage /> },
      { path: '/delivery', element: <DeliveryPage /> },
      { path: '/clusters', element: <ClustersPage /> },
      { path: '/clusters/:name', element: <ClusterPage /> },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
]);

createRoot(document.getElementById('root')!).render(
  <QueryClientProvider client={client}>
    <RouterProvider router={router} />
  </QueryClientProvider>,
);
