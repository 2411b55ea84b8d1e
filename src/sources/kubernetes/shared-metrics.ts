/**
 * One set of Kubernetes source metrics per registry: the `--kubeconfig` source and each
 * remote-cluster Secret's source report into the same series (labelled by cluster), and a metric
 * name can be registered only once.
 * @module
 */
import type { Registry } from 'prom-client';
import { createKubeSourceMetrics, type KubeSourceMetrics } from './metrics.ts';

const byRegistry = new WeakMap<Registry, KubeSourceMetrics>();

/** The Kubernetes source metrics of `registry`, registered on first use. */
export function kubeSourceMetricsFor(registry: Registry): KubeSourceMetrics {
  let metrics = byRegistry.get(registry);
  if (metrics === undefined) {
    metrics = createKubeSourceMetrics(registry);
    byRegistry.set(registry, metrics);
  }
  return metrics;
}
