/**
 * Kubernetes and Gateway API name validators.
 *
 * Each returns undefined when the value is valid, otherwise one message in
 * the wording of k8s.io/apimachinery/pkg/util/validation so users see the
 * same text the API server would give them. Where apimachinery would report
 * several problems we return the first one, checking length before pattern
 * (as apimachinery does) so huge inputs never reach a regex.
 */
import { parseIP } from './net.ts';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const IANA_CHARSET = /^[-a-z0-9]+$/;
const HAS_LETTER = /[a-z]/;
// Gateway API v1 Hostname pattern: the wildcard may only be the whole first label.
const GATEWAY_HOSTNAME = /^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const HTTP_HEADER_NAME = /^[A-Za-z0-9!#$%&'*+\-.^_`|~]+$/;
const DOMAIN_PREFIXED_PATH =
  /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/[A-Za-z0-9/\-._~%!$&'()*+,;=:]+$/;

const DNS1123_LABEL_MSG =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_MSG =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_MSG =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const QUALIFIED_NAME_MSG =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_MSG =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";

/** apimachinery's RegexError, minus the raw regex which helps nobody in a CLI message. */
function regexError(msg: string, ...examples: string[]): string {
  return `${msg} (e.g. ${examples.map((e) => `'${e}'`).join(', or ')})`;
}

function maxLenError(n: number): string {
  return `must be no more than ${n} characters`;
}

const EMPTY_ERROR = 'must be non-empty';

/** Validates an RFC 1123 label (most object names, namespaces): ≤63, lowercase alnum and '-'. */
export function dns1123Label(s: string): string | undefined {
  if (s.length > 63) return maxLenError(63);
  if (!DNS1123_LABEL.test(s)) return regexError(DNS1123_LABEL_MSG, 'my-name', '123-abc');
  return undefined;
}

/** Validates an RFC 1123 subdomain (dotted labels), ≤253 characters. */
export function dns1123Subdomain(s: string): string | undefined {
  if (s.length > 253) return maxLenError(253);
  if (!DNS1123_SUBDOMAIN.test(s)) return regexError(DNS1123_SUBDOMAIN_MSG, 'example.com');
  return undefined;
}

/** Validates an RFC 1035 label (Service names): like an RFC 1123 label but must start with a letter. */
export function dns1035Label(s: string): string | undefined {
  if (s.length > 63) return maxLenError(63);
  if (!DNS1035_LABEL.test(s)) return regexError(DNS1035_LABEL_MSG, 'my-name', 'abc-123');
  return undefined;
}

/** Validates a label/annotation key: optional DNS-subdomain prefix and '/', then a name of ≤63 characters. */
export function qualifiedName(s: string): string | undefined {
  const parts = s.split('/');
  let name: string;
  if (parts.length === 1) {
    name = s;
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? '';
    name = parts[1] ?? '';
    if (prefix.length === 0) return `prefix part ${EMPTY_ERROR}`;
    const prefixErr = dns1123Subdomain(prefix);
    if (prefixErr !== undefined) return `prefix part ${prefixErr}`;
  } else {
    return `a qualified name ${regexError(QUALIFIED_NAME_MSG, 'MyName', 'my.name', '123-abc')} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`;
  }
  if (name.length === 0) return `name part ${EMPTY_ERROR}`;
  if (name.length > 63) return `name part ${maxLenError(63)}`;
  if (!QUALIFIED_NAME.test(name)) {
    return `name part ${regexError(QUALIFIED_NAME_MSG, 'MyName', 'my.name', '123-abc')}`;
  }
  return undefined;
}

/** Validates a label value: empty, or ≤63 alnum/'-'/'_'/'.' starting and ending alphanumeric. */
export function labelValue(s: string): string | undefined {
  if (s.length > 63) return maxLenError(63);
  if (!LABEL_VALUE.test(s)) return regexError(LABEL_VALUE_MSG, 'MyValue', 'my_value', '12345');
  return undefined;
}

/** Validates an IANA service name (named ports, e.g. a targetPort string): ≤15, lowercase, ≥1 letter. */
export function ianaServiceName(s: string): string | undefined {
  if (s.length > 15) return maxLenError(15);
  if (!IANA_CHARSET.test(s)) return 'must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)';
  // Without a letter "80" would be ambiguous with a numeric port.
  if (!HAS_LETTER.test(s)) return 'must contain at least one letter (a-z)';
  if (s.includes('--')) return 'must not contain consecutive hyphens';
  if (s.startsWith('-') || s.endsWith('-')) return 'must not begin or end with a hyphen';
  return undefined;
}

/** Validates a Gateway API Hostname: an RFC 1123 subdomain with an optional leading '*.' label, never an IP. */
export function gatewayHostname(s: string): string | undefined {
  if (s.length > 253) return maxLenError(253);
  if (!GATEWAY_HOSTNAME.test(s)) {
    return regexError(
      "a hostname must consist of lower case alphanumeric characters, '-' or '.', must start and end with an alphanumeric character, and may only use '*' as a whole leading '*.' label",
      'example.com',
      '*.example.com',
    );
  }
  // The pattern alone admits dotted quads; the Gateway API spec forbids IPs
  // because listeners and routes match on SNI/Host names, never on addresses.
  if (parseIP(s) !== undefined) return 'must be a DNS hostname, not an IP address';
  return undefined;
}

/** Validates an HTTP header name: 1-256 RFC 7230 token characters. */
export function httpHeaderName(s: string): string | undefined {
  if (s.length > 256) return maxLenError(256);
  if (!HTTP_HEADER_NAME.test(s)) {
    return regexError(
      "an HTTP header name must consist of RFC 7230 token characters: alphanumeric characters or any of !#$%&'*+-.^_`|~",
      'X-Request-Id',
    );
  }
  return undefined;
}

/** Validates a Gateway API domain-prefixed path (GatewayClass controllerName), ≤253 characters. */
export function domainPrefixedPath(s: string): string | undefined {
  if (s.length > 253) return maxLenError(253);
  if (!DOMAIN_PREFIXED_PATH.test(s)) {
    return regexError(
      "a domain-prefixed path must be a lowercase DNS subdomain, then '/', then a non-empty path of URI characters",
      'example.com/gateway-controller',
    );
  }
  return undefined;
}
