/**
 * The store: versioned, subscribable state shared by sources (writers) and controllers (readers).
 * @module
 */
export { FLEET_SHARD, FleetStore, type FleetUpdate, type Shard } from './fleet-store.ts';
export { WatchableMap, type MapUpdate } from './watchable-map.ts';
