/** Public surface of the shared helper library (pure helpers, plus the worker source and thread priority); explicit names keep accidental exports out. */
export type { IPFamily, ParsedIP, ParsedCIDR } from './net.ts';
export {
  parseIP,
  parseCIDR,
  cidrsOverlap,
  cidrContains,
  cidrSize,
  formatIP,
  formatCIDR,
  nthAddress,
} from './net.ts';
export {
  dns1123Label,
  dns1123Subdomain,
  dns1035Label,
  qualifiedName,
  labelValue,
  ianaServiceName,
  gatewayHostname,
  httpHeaderName,
  domainPrefixedPath,
} from './names.ts';
export { parseGatewayDuration, formatDuration } from './duration.ts';
export type { Requirement, Selector } from './label-selector.ts';
export {
  SelectorParseError,
  parseSelector,
  selectorFromLabelSelector,
  matchesSelector,
  formatSelector,
} from './label-selector.ts';
export { compareStrings } from './compare.ts';
export { murmur3, rendezvousScore, rendezvousPick, keyFraction } from './rendezvous.ts';
export { normaliseOrigin } from './origin.ts';
export { workerModuleSource } from './worker-source.ts';
export { LOWEST_NICE, setNamedThreadsNice, setThisThreadNice, threadPriorities, V8_PLATFORM_THREADS } from './thread-priority.ts';
