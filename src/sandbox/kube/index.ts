/**
 * `lintas up --kube`: the capstone on real kube-apiservers, each cluster a network namespace.
 * @module
 */
export { installCrds, KUBE_BIN_DIR, KUBE_CLUSTERS, KUBE_VERSION, kubeBinariesMissing, kubeClustersFor, startKubeFleet, type KubeApiServer, type KubeClusterSpec, type KubeFleet, type KubeFleetOptions } from './api-servers.ts';
export { applyObject, createSliceWriter, objectPath, SANDBOX_FIELD_MANAGER, type KubeRequest, type SliceWriter } from './kube-apply.ts';
export { APPLIED_KINDS, clusterNetworks, GATEWAY_KINDS, objectsToApply, planKubeSnapshot, podRange, type KubeClusterRanges, type KubeObject, type KubePlanProblem, type KubeSnapshotPlan } from './kube-plan.ts';
export { cleanLeftovers, inNetns, KUBE_SANDBOX_LOCK, kubeSandboxUnavailable, runningKubeSandbox, startKubeSandbox, type KubeSandbox, type KubeSandboxOptions } from './kube-sandbox.ts';
export { dialAgent, runNetnsAgent, SANDBOX_RANGE, startNetnsAgent, type NetnsAgentConfig } from './netns-agent.ts';
export { FABRIC_ADDRESS, FABRIC_NETNS, listNetns, networkUnavailable, type ClusterNetwork } from './netns.ts';
