import { isIPv4, isIPv6 } from 'node:net';

/**
 * Which targets a shared service may send load to (ALLOWED_TARGET_HOSTS). A function key must not turn
 * the app into a traffic cannon pointed anywhere, least of all at cloud metadata services.
 *
 * - only http and https;
 * - link-local, metadata and unspecified addresses are refused always, in every spelling (the URL
 *   parser already turns decimal, hex and octal IPv4 into dotted form; IPv4-mapped IPv6 is unwrapped);
 * - loopback and private addresses (and `localhost`) only by an exact entry;
 * - other hosts by an exact entry or a `*.suffix` pattern (`*` alone allows any public host).
 */
export type AddressKind = 'public' | 'loopback' | 'private' | 'link-local' | 'metadata' | 'unspecified';

const METADATA = new Set(['168.63.129.16', '169.254.169.254', 'fd00:ec2::254', '100.100.100.200']);

export function classifyAddress(address: string): AddressKind | undefined {
  let ip = address.replace(/^\[|\]$/g, '').toLowerCase();
  if (isIPv6(ip)) {
    const mapped = ipv4FromMapped(ip);
    if (mapped) ip = mapped;
  }
  if (METADATA.has(ip) || METADATA.has(expandIPv6(ip))) return 'metadata';
  if (isIPv4(ip)) {
    const [a, b] = ip.split('.').map(Number);
    if (a === 0) return 'unspecified';
    if (a === 127) return 'loopback';
    if (a === 169 && b === 254) return 'link-local';
    if (a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127)) return 'private';
    return 'public';
  }
  if (isIPv6(ip)) {
    const full = expandIPv6(ip);
    if (full === '0000:0000:0000:0000:0000:0000:0000:0000') return 'unspecified';
    if (full === '0000:0000:0000:0000:0000:0000:0000:0001') return 'loopback';
    const first = parseInt(full.slice(0, 4), 16);
    if ((first & 0xffc0) === 0xfe80) return 'link-local';
    if ((first & 0xfe00) === 0xfc00) return 'private';
    return 'public';
  }
  return undefined;
}

/** `::ffff:a9fe:a9fe` or `::ffff:169.254.169.254` → `169.254.169.254`. */
function ipv4FromMapped(ip: string): string | undefined {
  const dotted = /^(?:0*:)*:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(ip);
  if (dotted) return dotted[1];
  const full = expandIPv6(ip);
  if (!full.startsWith('0000:0000:0000:0000:0000:ffff:')) return undefined;
  const [hi, lo] = full.slice(30).split(':').map((h) => parseInt(h, 16));
  return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
}

function expandIPv6(ip: string): string {
  if (!isIPv6(ip)) return ip;
  let text = ip;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const [a, b, c, d] = v4[1].split('.').map(Number);
    text = text.slice(0, -v4[1].length) + `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.map((g) => g.padStart(4, '0')).join(':');
}

/** Why a target URL is refused, or undefined when it is allowed. */
export function targetRefusal(urlText: string, allowedHosts: readonly string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(urlText);
  } catch {
    return 'is not a URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'only http and https targets are allowed';
  const host = url.hostname.toLowerCase().replace(/\.$/, '');
  return hostRefusal(host, allowedHosts);
}

/** Why a host (name or IP) is refused, or undefined. Also used on resolved addresses at connect time. */
export function hostRefusal(host: string, allowedHosts: readonly string[]): string | undefined {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  const kind = classifyAddress(bare) ?? (bare === 'localhost' || bare.endsWith('.localhost') ? 'loopback' : undefined);
  if (kind === 'link-local' || kind === 'metadata' || kind === 'unspecified') return `${host} is a ${kind} address, which is never allowed`;
  const exact = allowedHosts.some((entry) => entry.replace(/^\[|\]$/g, '').toLowerCase() === bare);
  if (kind === 'loopback' || kind === 'private') {
    return exact ? undefined : `${host} is a ${kind} address; it is allowed only when ALLOWED_TARGET_HOSTS lists it exactly`;
  }
  if (exact) return undefined;
  for (const entry of allowedHosts) {
    if (entry === '*') return undefined;
    if (entry.startsWith('*.') && bare.endsWith(entry.slice(1)) && bare.length > entry.length - 1) return undefined;
  }
  return `${host} is not in ALLOWED_TARGET_HOSTS (${allowedHosts.join(', ') || 'empty'})`;
}
