// Hostile inputs shared by the regression tests of several packages.

/** A Component whose spec nests aliases `levels` deep, ten per level: 10^levels leaves. */
export function aliasBomb(levels: number): string {
  const lines = [
    'apiVersion: backstage.io/v1alpha1',
    'kind: Component',
    'metadata:',
    '  name: bomb',
    'spec:',
    '  type: service',
    '  lifecycle: production',
    '  owner: team',
    '  a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]',
  ];
  for (let i = 1; i < levels; i++)
    lines.push(
      `  a${i}: &a${i} [${Array(10)
        .fill(`*a${i - 1}`)
        .join(', ')}]`,
    );
  return `${lines.join('\n')}\n`;
}
