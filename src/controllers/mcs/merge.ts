/**
 * Merging the constituent exports of one Service into a ServiceImport spec
 * (KEP-1645 "Global Properties"). Callers pass the constituents oldest first
 * (see `order.ts`); the oldest wins every field, ports are unioned, IP families
 * intersected, and every disagreement becomes a KEP conflict reason with a
 * KEP-style message. Field checks are a Cilium-style table of
 * `{ field, reason, get, equal }` rows.
 * @module
 */
import { type ConflictFinding, type ConflictReason } from './conditions.ts';
import type { Constituent, ImportPort, IPFamilyName } from './types.ts';

/** The merged, conflict-resolved spec of one ServiceImport. */
export interface MergedSpec {
  readonly type: Constituent['type'];
  readonly ports: readonly ImportPort[];
  readonly sessionAffinity: Constituent['sessionAffinity'];
  readonly sessionAffinityConfig?: Constituent['sessionAffinityConfig'];
  readonly ipFamilies?: readonly IPFamilyName[];
  readonly internalTrafficPolicy?: Constituent['internalTrafficPolicy'];
  readonly trafficDistribution?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly annotations: Readonly<Record<string, string>>;
}

/** One row of the field-conflict table. */
export interface FieldCheck {
  /** The field as named in the message (`Conflicting <field>.`). */
  readonly field: string;
  readonly reason: ConflictReason;
  /** The value shown in the message, for the oldest export. */
  readonly get: (c: Constituent) => string;
  /** Whether a newer export agrees with the oldest on this field. */
  readonly equal: (oldest: Constituent, other: Constituent) => boolean;
}

/** The API server's default ClientIP affinity timeout, so an omitted and an explicit 10800 agree. */
const DEFAULT_AFFINITY_TIMEOUT = 10800;
const NONE = '<none>';

/** `tcp/42`: how ports appear in conflict messages. */
export function formatPort(port: ImportPort): string {
  return `${port.protocol.toLowerCase()}/${port.port}`;
}

/** Ports sorted by number, protocol, then name, so output never depends on which export came first. */
export function sortPorts(ports: readonly ImportPort[]): ImportPort[] {
  const key = (p: ImportPort): string => `${String(p.port).padStart(5, '0')}/${p.protocol}/${p.name ?? ''}`;
  return [...ports].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

function portIdentity(p: ImportPort): string {
  return `${p.name ?? ''}|${p.protocol}|${p.port}|${p.appProtocol ?? ''}`;
}

/** True when both lists hold the same ports (name, protocol, port, appProtocol), in any order. */
export function samePortSet(a: readonly ImportPort[], b: readonly ImportPort[]): boolean {
  if (a.length !== b.length) return false;
  const left = a.map(portIdentity).sort();
  const right = b.map(portIdentity).sort();
  return left.every((id, i) => id === right[i]);
}

/**
 * The union of the constituents' ports, merged first by name (the empty name included),
 * then by (protocol, port), keeping the oldest export's port on every clash (KEP "Service Port").
 */
export function mergePorts(ordered: readonly Constituent[]): ImportPort[] {
  const names = new Set<string>();
  const numbers = new Set<string>();
  const merged: ImportPort[] = [];
  for (const constituent of ordered) {
    for (const port of constituent.ports) {
      const name = port.name ?? '';
      const number = `${port.protocol}/${port.port}`;
      // Both rules must hold for the result to be a valid port list; the older port already won.
      if (names.has(name) || numbers.has(number)) continue;
      names.add(name);
      numbers.add(number);
      merged.push({ ...port });
    }
  }
  return sortPorts(merged);
}

function formatMap(map: Readonly<Record<string, string>>): string {
  const entries = Object.keys(map)
    .sort()
    .map((k) => `${k}=${map[k] ?? ''}`);
  return entries.length === 0 ? NONE : entries.join(',');
}

/** A copy with sorted keys, so the manifest's key order never leaks into the output. */
function sortedCopy(map: Readonly<Record<string, string>>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const key of Object.keys(map).sort()) copy[key] = map[key] ?? '';
  return copy;
}

function sameMap(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && a[k] === b[k]);
}

function affinityTimeout(c: Constituent): number | undefined {
  return c.sessionAffinity === 'ClientIP' ? (c.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? DEFAULT_AFFINITY_TIMEOUT) : undefined;
}

/** The Service default, so an omitted internalTrafficPolicy agrees with an explicit `Cluster`. */
function trafficPolicy(c: Constituent): string {
  return c.internalTrafficPolicy ?? 'Cluster';
}

/** Field checks in the order their reasons are reported (IP families are handled by {@link intersectIPFamilies}). */
export const FIELD_CHECKS: readonly FieldCheck[] = [
  {
    field: 'ports',
    reason: 'PortConflict',
    get: (c) => sortPorts(c.ports).map(formatPort).join(', '),
    // Differing from the oldest is the same as differing from the merged union: the union
    // equals the oldest's ports exactly when every constituent has the oldest's ports.
    equal: (a, b) => samePortSet(a.ports, b.ports),
  },
  { field: 'type', reason: 'TypeConflict', get: (c) => c.type, equal: (a, b) => a.type === b.type },
  { field: 'sessionAffinity', reason: 'SessionAffinityConflict', get: (c) => c.sessionAffinity, equal: (a, b) => a.sessionAffinity === b.sessionAffinity },
  {
    field: 'sessionAffinityConfig',
    reason: 'SessionAffinityConfigConflict',
    get: (c) => {
      const timeout = affinityTimeout(c);
      return timeout === undefined ? NONE : `clientIP.timeoutSeconds=${timeout}`;
    },
    // When the affinities differ that is already a SessionAffinityConflict; the config only
    // conflicts between exports that agree on ClientIP but not on its timeout.
    equal: (a, b) => a.sessionAffinity !== b.sessionAffinity || affinityTimeout(a) === affinityTimeout(b),
  },
  { field: 'labels', reason: 'LabelsConflict', get: (c) => formatMap(c.labels), equal: (a, b) => sameMap(a.labels, b.labels) },
  { field: 'annotations', reason: 'AnnotationsConflict', get: (c) => formatMap(c.annotations), equal: (a, b) => sameMap(a.annotations, b.annotations) },
  { field: 'internalTrafficPolicy', reason: 'InternalTrafficPolicyConflict', get: trafficPolicy, equal: (a, b) => trafficPolicy(a) === trafficPolicy(b) },
  {
    field: 'trafficDistribution',
    reason: 'TrafficDistributionConflict',
    get: (c) => c.trafficDistribution ?? NONE,
    equal: (a, b) => a.trafficDistribution === b.trafficDistribution,
  },
];

/** Runs the table: one finding per field on which some newer export disagrees with the oldest. */
export function checkFields(ordered: readonly Constituent[], checks: readonly FieldCheck[] = FIELD_CHECKS): ConflictFinding[] {
  const [oldest, ...rest] = ordered;
  if (oldest === undefined) return [];
  const findings: ConflictFinding[] = [];
  for (const check of checks) {
    const disagree = rest.filter((c) => !check.equal(oldest, c)).length;
    if (disagree === 0) continue;
    findings.push({
      reason: check.reason,
      message: `Conflicting ${check.field}. Using "${check.get(oldest)}" from oldest service export in "${oldest.cluster}". ${disagree}/${ordered.length} clusters disagree.`,
    });
  }
  return findings;
}

function sameFamilies(a: readonly IPFamilyName[], b: readonly IPFamilyName[]): boolean {
  return a.length === b.length && a.every((f) => b.includes(f));
}

/**
 * The IP families every constituent serves, so any family the ServiceImport offers reaches
 * every backend (as Cilium does). Exports whose families are unknown are left out. An export
 * sharing no family with the older ones is skipped rather than emptying the result. Any export
 * whose families differ from the result is an IPFamilyConflict.
 */
export function intersectIPFamilies(ordered: readonly Constituent[]): { ipFamilies?: IPFamilyName[]; conflict?: ConflictFinding } {
  const known = ordered.filter((c): c is Constituent & { ipFamilies: readonly IPFamilyName[] } => c.ipFamilies !== undefined && c.ipFamilies.length > 0);
  const [first, ...rest] = known;
  if (first === undefined) return {};
  let families = [...first.ipFamilies];
  const unreachable: string[] = [];
  for (const c of rest) {
    const common = families.filter((f) => c.ipFamilies.includes(f));
    if (common.length === 0) unreachable.push(c.cluster);
    else families = common;
  }
  const disagree = known.filter((c) => !sameFamilies(c.ipFamilies, families)).length;
  if (disagree === 0) return { ipFamilies: families };
  let message = `Conflicting ipFamilies. Using "${families.join(',')}" common to the service exports. ${disagree}/${ordered.length} clusters disagree.`;
  if (unreachable.length > 0) {
    const who = unreachable.length === 1 ? 'Cluster' : 'Clusters';
    const verb = unreachable.length === 1 ? 'shares' : 'share';
    message += ` ${who} ${unreachable.map((c) => `"${c}"`).join(', ')} ${verb} no IP family with older service exports and cannot be reached through the ServiceImport.`;
  }
  return { ipFamilies: families, conflict: { reason: 'IPFamilyConflict', message } };
}

/** Merges the constituents (oldest first) into the ServiceImport spec and lists every conflict. */
export function mergeExports(ordered: readonly Constituent[]): { spec: MergedSpec; conflicts: ConflictFinding[] } {
  const oldest = ordered[0];
  if (oldest === undefined) throw new RangeError('mergeExports needs at least one constituent');
  const { ipFamilies, conflict } = intersectIPFamilies(ordered);
  const conflicts = checkFields(ordered);
  if (conflict !== undefined) conflicts.push(conflict);
  const spec: MergedSpec = {
    type: oldest.type,
    ports: mergePorts(ordered),
    sessionAffinity: oldest.sessionAffinity,
    // Copies, so the result never aliases the input snapshot.
    ...(oldest.sessionAffinity === 'ClientIP' && oldest.sessionAffinityConfig !== undefined ? { sessionAffinityConfig: structuredClone(oldest.sessionAffinityConfig) } : {}),
    ...(ipFamilies !== undefined ? { ipFamilies } : {}),
    ...(oldest.internalTrafficPolicy !== undefined ? { internalTrafficPolicy: oldest.internalTrafficPolicy } : {}),
    ...(oldest.trafficDistribution !== undefined ? { trafficDistribution: oldest.trafficDistribution } : {}),
    labels: sortedCopy(oldest.labels),
    annotations: sortedCopy(oldest.annotations),
  };
  return { spec, conflicts };
}
