import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { aliasBomb } from '../../../test/support/hostile.ts';
import { explainCommand } from '../src/cli/explain.ts';
import { terminalSafe } from '../src/cli/terminal.ts';

const NOW = Date.parse('2026-11-26T12:00:00Z');
const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/explain/${name}`, import.meta.url));

class Sink extends Writable {
  text = '';
  isTTY: boolean;
  constructor(isTTY = false) {
    super();
    this.isTTY = isTTY;
  }
  override _write(chunk: Buffer, _enc: string, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

async function explain(argv: string[], o: { stdin?: string; tty?: boolean; stdinTTY?: boolean } = {}) {
  const stdin = Readable.from(o.stdin === undefined ? [] : [Buffer.from(o.stdin)]);
  if (o.stdinTTY) (stdin as unknown as { isTTY: boolean }).isTTY = true;
  const stdout = new Sink(o.tty);
  const stderr = new Sink();
  const code = await explainCommand(argv, { stdin, stdout, stderr, now: () => NOW });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

describe('portolan explain', () => {
  it('explains a kubectl List from a file, pods rolled up under their Deployment', async () => {
    const r = await explain([fixture('crashloop-list.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('Deployment shop/checkout  (cluster local)');
    expect(r.stdout).toContain(
      'CRITICAL  pod-crash-loop  3 pods: container app is crash-looping (last exit code 1: Error), 23 restarts',
    );
    expect(r.stdout).toContain('Back-off restarting failed container app in pod checkout-7d4b9c8f6d-4xk2p');
    expect(r.stdout).toContain(
      'checkout-7d4b9c8f6d-4xk2p, checkout-7d4b9c8f6d-9wq7z, checkout-7d4b9c8f6d-bb3mn',
    );
    expect(r.stdout).toContain('Ignored kinds Portolan does not check: ConfigMap (1).');
    expect(r.stdout).toMatch(
      /1 finding \(1 critical, 0 warning, 0 info\) on 1 object\(s\); 4 objects checked\./,
    );
    expect(r.stdout).not.toContain('\u001b[');
  });

  it('reads several YAML documents from stdin (-) and prints JSON', async () => {
    const { readFile } = await import('node:fs/promises');
    const yaml = await readFile(fixture('stuck-rollout.yaml'), 'utf8');
    const r = await explain(['-', '--output', 'json', '--cluster', 'prod-eu-1'], { stdin: yaml });
    expect(r.code).toBe(1);
    const body = JSON.parse(r.stdout);
    expect(body.cluster).toBe('prod-eu-1');
    expect(body.checked).toBe(2);
    expect(
      body.findings.map((f: { rule: string; severity: string }) => `${f.rule}:${f.severity}`).sort(),
    ).toEqual(['deployment-progress-deadline:critical', 'hpa-at-max:critical']);
    expect(body.findings[0].object.cluster).toBe('prod-eu-1');
    expect(body.summary).toMatchObject({ total: 2, critical: 2 });
  });

  it('reads stdin when no file is named', async () => {
    const r = await explain(['-o', 'json'], {
      stdin: '{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}}',
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout).checked).toBe(1);
  });

  it('accepts an API PodList whose items have no kind', async () => {
    const r = await explain([fixture('podlist-api.json')]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('pod-image-pull');
    expect(r.stdout).toContain('Deployment shop/web');
  });

  describe('reads every shape kubectl and the API print', () => {
    // One failed bare pod (exit code 3) and one healthy Deployment, in each shape.
    const failedPod = {
      metadata: { name: 'db-migrate', namespace: 'shop' },
      spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'migrate:7' }] },
      status: {
        phase: 'Failed',
        containerStatuses: [
          {
            name: 'main',
            state: {
              terminated: { exitCode: 3, reason: 'Error', finishedAt: '2026-11-26T11:50:00Z' },
            },
          },
        ],
      },
    };
    const deployment = {
      metadata: { name: 'web', namespace: 'shop', generation: 1 },
      spec: { replicas: 1 },
      status: {
        observedGeneration: 1,
        replicas: 1,
        updatedReplicas: 1,
        availableReplicas: 1,
        readyReplicas: 1,
      },
    };
    const pod = { apiVersion: 'v1', kind: 'Pod', ...failedPod };
    const deploy = { apiVersion: 'apps/v1', kind: 'Deployment', ...deployment };
    const shapes: [string, string][] = [
      ['a single object (kubectl get pod x -o json)', JSON.stringify(pod)],
      [
        'a List with mixed kinds (kubectl get pod,deploy -o json)',
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          metadata: { resourceVersion: '' },
          items: [pod, deploy],
        }),
      ],
      [
        'typed lists whose items carry no kind (the API: PodList, DeploymentList)',
        JSON.stringify({
          apiVersion: 'v1',
          kind: 'List',
          items: [
            { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '8' }, items: [failedPod] },
            { apiVersion: 'apps/v1', kind: 'DeploymentList', metadata: {}, items: [deployment] },
          ],
        }),
      ],
      [
        'a typed list in YAML',
        stringify({ apiVersion: 'v1', kind: 'PodList', items: [failedPod] }) +
          '---\n' +
          stringify({ apiVersion: 'apps/v1', kind: 'DeploymentList', items: [deployment] }),
      ],
      ['YAML documents', `${stringify(pod)}---\n${stringify(deploy)}`],
      [
        'kubectl get pod,deploy -o yaml (a List in YAML)',
        stringify({
          apiVersion: 'v1',
          kind: 'List',
          metadata: { resourceVersion: '' },
          items: [pod, deploy],
        }),
      ],
      [
        'concatenated JSON objects (kubectl get -w -o json)',
        `${JSON.stringify(pod, null, 2)}\n${JSON.stringify(deploy)}\n`,
      ],
      ['a JSON array of objects', JSON.stringify([pod, deploy])],
    ];
    it.each(shapes)('%s', async (_name, input) => {
      const r = await explain(['-', '-o', 'json'], { stdin: input });
      expect(r.stderr).toBe('');
      const body = JSON.parse(r.stdout);
      const single = !input.includes('Deployment');
      expect(body.checked).toBe(single ? 1 : 2);
      expect(body.findings.map((f: { rule: string }) => f.rule)).toEqual(['pod-failed']);
      expect(body.findings[0].evidence).toMatchObject({ container: 'main', exitCode: 3, reason: 'Error' });
      expect(r.code).toBe(1);
    });

    it('reads concatenated objects from kubectl’s own test data (hack/testdata/multi-resource-json.json)', async () => {
      const r = await explain([fixture('k8s-multi-resource-json.txt'), '-o', 'json']);
      expect(r.stderr).toBe('');
      const body = JSON.parse(r.stdout);
      expect(body.checked).toBe(1);
      expect(body.ignored).toEqual({ ReplicationController: 1 });
    });

    it('still refuses text that is neither one JSON value nor several', async () => {
      const r = await explain(['-'], { stdin: '{"kind": "Pod"} trailing words' });
      expect(r.code).toBe(3);
      expect(r.stderr).toMatch(/invalid JSON/);
    });
  });

  it('exits 0 with a clear line when nothing is wrong, and 0 for info-only findings', async () => {
    const healthy = await explain([fixture('healthy-pod.yaml')]);
    expect(healthy.code).toBe(0);
    expect(healthy.stdout).toBe('No problems found; 1 object checked.\n');
    const paused = await explain([fixture('paused.yaml')]);
    expect(paused.code).toBe(0);
    expect(paused.stdout).toContain('INFO      deployment-paused');
  });

  it('combines several files', async () => {
    const r = await explain([fixture('healthy-pod.yaml'), fixture('paused.yaml'), '--output=json']);
    expect(JSON.parse(r.stdout).checked).toBe(2);
  });

  it('uses colours only on a terminal', async () => {
    const r = await explain([fixture('stuck-rollout.yaml')], { tty: true });
    expect(r.stdout).toContain('\u001b[31;1mCRITICAL');
  });

  it.each([
    [['--output', 'xml'], '--output must be text or json'],
    [['--bogus'], "Unknown option '--bogus'"],
    [['--cluster', ' '], '--cluster needs a name'],
  ])('usage error %j exits 2', async (argv, message) => {
    const r = await explain(argv, { stdin: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('usage: portolan explain');
  });

  it('prints help on --help', async () => {
    const r = await explain(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('kubectl get pods,deploy,rs,hpa,events -o json | portolan explain');
  });

  it.each([
    [
      'invalid YAML, with the line',
      { stdin: 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\n   namespace: broken\n' },
      /<stdin>:5: invalid YAML/,
    ],
    ['a missing file', { file: 'nope.yaml' }, /nope\.yaml: no such file/],
    ['invalid JSON', { stdin: '{"kind": "Pod",' }, /<stdin>: invalid JSON/],
    ['empty input', { stdin: '   \n' }, /<stdin>: no objects/],
    ['an object without kind', { stdin: 'metadata:\n  name: x\n' }, /no "kind" \(metadata.name x\)/],
    ['a scalar', { stdin: '42' }, /expected Kubernetes objects/],
    [
      'an alias bomb',
      { stdin: aliasBomb(10).replace('kind: Component', 'kind: Pod') },
      /<stdin>:1: refused YAML: expands to more than 1048576 bytes/,
    ],
    [
      'YAML nested too deep',
      { stdin: `kind: Pod\nx: ${'['.repeat(5000)}` },
      /<stdin>:2: refused YAML: nesting/,
    ],
    [
      'JSON nested too deep',
      { stdin: `{"kind":"List","items":${'['.repeat(50_000)}${']'.repeat(50_000)}}` },
      /<stdin>: refused JSON: nesting is deeper than 100 levels/,
    ],
  ])('input error: %s exits 3, not 1 (which means critical)', async (_name, input, message) => {
    const argv =
      'file' in input ? [input.file === 'nope.yaml' ? '/nonexistent/nope.yaml' : fixture(input.file)] : ['-'];
    const r = await explain(argv, 'stdin' in input ? { stdin: input.stdin } : {});
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('refuses to wait on a terminal with no input', async () => {
    const r = await explain([], { stdinTTY: true });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('pipe objects in');
  });

  it('escapes control characters and bidi overrides from the cluster in text output', async () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'evil', namespace: 'x' },
      status: {
        phase: 'Pending',
        containerStatuses: [
          {
            name: 'app',
            state: {
              waiting: {
                reason: 'CreateContainerError',
                message: 'boom \u001b[2J\u001b]0;pwned\u0007 \u202egnp.exe',
              },
            },
          },
        ],
      },
    };
    const r = await explain(['-'], { stdin: JSON.stringify(pod) });
    expect(r.stdout).not.toMatch(/[\u001b\u0007\u202e]/);
    expect(r.stdout).toContain('\\u001b[2J');
    const json = await explain(['-', '-o', 'json'], { stdin: JSON.stringify(pod) });
    expect(JSON.parse(json.stdout).findings[0].evidence.message).toBe(
      'boom \u001b[2J\u001b]0;pwned\u0007 \u202egnp.exe',
    );
  });

  it('maps events.k8s.io/v1 Events onto the fields the rules read', async () => {
    const input = {
      kind: 'List',
      items: [
        {
          apiVersion: 'v1',
          kind: 'Pod',
          metadata: { name: 'api-1', namespace: 'x' },
          status: {
            phase: 'Running',
            containerStatuses: [{ name: 'app', ready: true, restartCount: 2, state: { running: {} } }],
          },
        },
        {
          apiVersion: 'events.k8s.io/v1',
          kind: 'Event',
          metadata: { name: 'api-1.1', namespace: 'x' },
          regarding: { kind: 'Pod', name: 'api-1', namespace: 'x' },
          reason: 'Killing',
          note: 'Container app failed liveness probe, will be restarted',
          type: 'Normal',
          eventTime: '2026-11-26T11:59:00.000000Z',
        },
      ],
    };
    const r = await explain(['-'], { stdin: JSON.stringify(input) });
    expect(r.stdout).toContain('pod-liveness-kill');
  });

  it('escapes names from the input in its error messages too', async () => {
    const r = await explain(['-'], { stdin: 'metadata:\n  name: "a\\e[2J\\u202Eb\\u200Fc"\n' });
    expect(r.code).toBe(3);
    expect(r.stderr).not.toMatch(/[\u001b\u202e\u200f]/);
    expect(r.stderr).toContain('(metadata.name a\\u001b[2J\\u202eb\\u200fc)');
  });

  it('escapes every bidi control and line separator in findings', async () => {
    const pod = {
      kind: 'Pod',
      metadata: { name: 'p\u200f\u061c\u2028\u2029\u2066x', namespace: 'x' },
      status: {
        phase: 'Pending',
        containerStatuses: [
          { name: 'app', state: { waiting: { reason: 'CreateContainerError', message: 'm\u200e\u202a' } } },
        ],
      },
    };
    const r = await explain(['-'], { stdin: JSON.stringify(pod) });
    expect(r.code).toBe(1);
    expect(r.stdout).not.toMatch(/[\u061c\u200e\u200f\u2028\u2029\u202a\u2066]/);
    expect(r.stdout).toContain('x/p\\u200f\\u061c\\u2028\\u2029\\u2066x');
  });

  it('terminalSafe leaves ordinary text alone', () => {
    expect(terminalSafe('0/3 nodes are available: 3 Insufficient cpu. – ok ✓')).toBe(
      '0/3 nodes are available: 3 Insufficient cpu. – ok ✓',
    );
  });
});
