/**
 * Sources: where fleet state comes from: the directory source (GitOps layout) and the
 * Kubernetes source (member clusters' API servers), which publish the same snapshots.
 * @module
 */
export { SourceError, type SourceErrorCode } from './errors.ts';
export { buildSnapshot, compareSourced, createFleetLoader, loadFleet, type FleetLoader, type LoaderOptions, type LoadResult, type LoadStats } from './directory/load-fleet.ts';
export { LAST_GOOD_FILE, type LastGoodMissing } from './directory/last-good.ts';
export { createWorkerFleetLoader, type WorkerLoaderOptions } from './directory/load-worker.ts';
export { parseManifestFile, type ParsedFile, type RawDocument } from './directory/parse-manifests.ts';
export { assertFleetRoot, DEFAULT_MAX_FILE_BYTES, formatBytes, readTree, type ManifestFile, type ReadTreeOptions } from './directory/read-tree.ts';
export { watchFleet, type FleetWatcher, type LoadEvent, type WatchOptions, type WatchStatus } from './directory/watch.ts';
export { CONTEXT_ANNOTATION, clusterContexts, KubernetesSource, type ClusterContext, type HeartbeatSink, type KubernetesSourceOptions } from './kubernetes/source.ts';
export { ClusterWatch, kubeOrigin, type ClusterWatchOptions, type ClusterWatchStatus } from './kubernetes/cluster-watch.ts';
export { Informer, objectKey, type InformerOptions, type InformerStatus, type KubeObject } from './kubernetes/informer.ts';
export { apiVersionOf, resourcePath, WATCHED_RESOURCES, type WatchedResource } from './kubernetes/resources.ts';
export { isGone, KubeApiError, kubeconfigTransport, type KubeList, type KubeTransport, type KubeWatchEvent, type OpenWatch } from './kubernetes/transport.ts';
export { contextConfig, kubeconfigClient, kubeRequest, loadKubeconfig, type KubeClient, type KubeRequestOptions, type KubeResponse } from './kubernetes/client.ts';
export { StatusWriter, type EventOutcome, type EventToRecord, type StatusOutcome, type StatusTarget, type StatusWriterOptions } from './kubernetes/status-writer.ts';
export { ClusterWriter, DEFAULT_WRITE_RATE, writeKey, type ClusterWriterOptions, type WriteHint, type WriteOutcome } from './kubernetes/writer.ts';
export { withLabelSelector } from './kubernetes/selected-transport.ts';
// Test doubles of an API server (watches and writes on one store), for the write-back's tests in runtime.
export { FakeApiServer } from './kubernetes/fake-api-server.ts';
export { FakeApiClient } from './kubernetes/fake-api-client.ts';
export { appliedHash, contains, difference, drift, isLintasOwned, markOwned, type LiveObject } from './kubernetes/ownership.ts';
export { TokenBucket, type TokenBucketOptions } from './kubernetes/token-bucket.ts';
export { createKubeWriteMetrics, type KubeWriteMetrics } from './kubernetes/metrics.ts';
export { combinedKubeConfig, IN_CLUSTER_CONTEXT, inClusterKubeConfig, SERVICE_ACCOUNT_DIR, type InClusterOptions } from './kubernetes/in-cluster.ts';
export { MANAGEMENT_RESOURCES, managementOrigin, ManagementSource, type ManagementSourceOptions, type ManagementStatus } from './kubernetes/management-source.ts';
export { parseRemoteSecrets, REMOTE_CLUSTER_LABEL, scopedTransport, type RemoteCluster } from './kubernetes/remote-secrets.ts';
export { RemoteClusters, type RemoteClustersOptions, type RemoteClustersStatus } from './kubernetes/remote-clusters.ts';
