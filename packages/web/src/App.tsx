export function App() {
  return <h1>Portolan</h1>;
}
