import { describe, it } from 'vitest';
import { appendPodLog, setPodLogs } from '../cluster/helpers.ts';
import { contractSuite } from './contract.ts';

// The real test fleet (test/cluster): kube-apiserver + controller-manager + scheduler with kwok
// fake nodes. Its kubeconfig names contexts `<cluster>` (admin), `<cluster>-portolan` (read-only)
// and `<cluster>-portolan-limited` (cannot list horizontalpodautoscalers).
const kubeconfigPath = process.env.PORTOLAN_FLEET_KUBECONFIG;
const cluster = process.env.PORTOLAN_CONTRACT_CLUSTER ?? 'eu-west-1';

if (kubeconfigPath) {
  contractSuite(`real fleet (${cluster})`, () => ({
    kubeconfigPath,
    adminContext: cluster,
    readContext: `${cluster}-portolan`,
    limitedContext: `${cluster}-portolan-limited`,
    // kwok serves pods/log (tail, follow, limitBytes) only for logs it was given, through the
    // fleet's setPodLogs helper; other pods' logs are an API error, as on a node without them.
    logs: true,
    givePodLogs: (pod, lines) =>
      setPodLogs(
        { context: cluster, namespace: pod.namespace, name: pod.name },
        { lines, container: pod.container },
      ),
    appendPodLog: (pod, line) =>
      appendPodLog({ context: cluster, namespace: pod.namespace, name: pod.name }, line, pod.container),
    rolloutTimeoutMs: 90_000,
  }));
} else {
  describe('cluster contract: real fleet', () => {
    it.skip('needs PORTOLAN_FLEET_KUBECONFIG pointing at the real test fleet', () => {});
  });
}
