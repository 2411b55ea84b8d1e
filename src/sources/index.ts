/**
 * Sources: where fleet state comes from. Today the directory source (GitOps layout);
 * a Kubernetes API source will publish the same snapshots.
 * @module
 */
export { SourceError, type SourceErrorCode } from './errors.ts';
export { buildSnapshot, compareSourced, createFleetLoader, loadFleet, type FleetLoader, type LoaderOptions, type LoadResult, type LoadStats } from './directory/load-fleet.ts';
export { LAST_GOOD_FILE, type LastGoodMissing } from './directory/last-good.ts';
export { createWorkerFleetLoader, type WorkerLoaderOptions } from './directory/load-worker.ts';
export { parseManifestFile, type ParsedFile, type RawDocument } from './directory/parse-manifests.ts';
export { assertFleetRoot, DEFAULT_MAX_FILE_BYTES, formatBytes, readTree, type ManifestFile, type ReadTreeOptions } from './directory/read-tree.ts';
export { watchFleet, type FleetWatcher, type LoadEvent, type WatchOptions, type WatchStatus } from './directory/watch.ts';
