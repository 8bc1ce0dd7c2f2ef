import dns, { type LookupAddress, type LookupAllOptions, type LookupOneOptions } from 'node:dns';
import { isIP } from 'node:net';
import { buildConnector } from 'undici';
import { classifyAddress, hostRefusal } from './target-policy.js';
import type { SharedReadOption } from './http1-connection.js';

/**
 * The connect-time half of ALLOWED_TARGET_HOSTS (the start-time half is `targetRefusal` on the plan's
 * URL): a name that was allowed when the run started can resolve to anything later (DNS rebinding).
 * So every connection the target's HTTP client opens checks the address it is about to connect to:
 *
 * - link-local, metadata and unspecified addresses: always refused;
 * - loopback and private addresses: only when ALLOWED_TARGET_HOSTS lists that exact IP or the exact
 *   host name being connected to;
 * - public addresses: allowed (the host name itself was checked against the list when the run started,
 *   and is checked again here).
 *
 * A refused connection fails its requests with error code `target_refused`; nothing is sent.
 */

/** The `code` of a connection refused by the policy; `errorCodeOf` maps it to `target_refused`. */
export const TARGET_REFUSED_CODE = 'MLLOAD_TARGET_REFUSED';

export class TargetRefusedError extends Error {
  override name = 'TargetRefusedError';
  readonly code = TARGET_REFUSED_CODE;
}

/** Why connecting to `address` (which `hostname` resolved to, or is) is refused, or undefined. */
export function addressRefusal(hostname: string, address: string, allowedHosts: readonly string[]): string | undefined {
  const name = hostname.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '');
  // The name itself first: connect time must not allow what start time would refuse.
  const nameRefusal = hostRefusal(name, allowedHosts);
  if (nameRefusal !== undefined) return nameRefusal;
  const kind = classifyAddress(address);
  if (kind === undefined) return `${hostname} resolved to ${address}, which is not an IP address`;
  if (kind === 'public') return undefined;
  const refusal = hostRefusal(address, allowedHosts);
  if (refusal === undefined) return undefined;
  if ((kind === 'loopback' || kind === 'private') && listsExactly(allowedHosts, name)) return undefined;
  return name === address.toLowerCase() ? refusal : `${hostname} resolved to ${refusal}`;
}

function listsExactly(allowedHosts: readonly string[], name: string): boolean {
  return allowedHosts.some((entry) => entry.replace(/^\[|\]$/g, '').toLowerCase().replace(/\.$/, '') === name);
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
type LookupFunction = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => void;

/**
 * A `lookup` for `net.connect` / `tls.connect` that resolves as usual (`dns.lookup`, read at each call,
 * or the given one) and keeps only the addresses the policy allows; when none is left, the lookup fails
 * with TargetRefusedError.
 */
export function guardedLookup(allowedHosts: readonly string[], resolve?: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    const all = (options as LookupAllOptions | undefined)?.all === true;
    const resolver = resolve ?? (dns.lookup as unknown as LookupFunction);
    resolver(hostname, { ...options, all: true }, (error, result) => {
      if (error) return callback(error, all ? [] : '');
      const addresses = Array.isArray(result) ? result : [{ address: result, family: isIP(result) }];
      const refusals: string[] = [];
      const kept = addresses.filter((a) => {
        const refusal = addressRefusal(hostname, a.address, allowedHosts);
        if (refusal !== undefined) refusals.push(refusal);
        return refusal === undefined;
      });
      if (kept.length === 0) {
        const why = refusals[0] ?? `${hostname} did not resolve to any address`;
        return callback(new TargetRefusedError(`connection refused by the target policy: ${why}`), all ? [] : '');
      }
      if (all) callback(null, kept);
      else callback(null, kept[0].address, kept[0].family);
    });
  };
}

export interface GuardedConnectorOptions {
  allowedHosts: readonly string[];
  /** Connect timeout, ms (undici's `connect.timeout`). */
  timeout?: number;
  /** Resolver under the guard (tests pass one that answers what they need); dns.lookup by default. */
  lookup?: LookupFunction;
  /** The sockets' `onread` option (Http1Connection.sharedReadOption), passed to `net.connect` / `tls.connect`. */
  onread?: SharedReadOption;
}

/**
 * An undici connector (the `connect` option of each connection's Client) that applies the policy at
 * connect time: a host name through `guardedLookup`, an IP literal (never looked up by Node) directly.
 */
export function guardedConnector(options: GuardedConnectorOptions): buildConnector.connector {
  const base = buildConnector({ timeout: options.timeout, lookup: guardedLookup(options.allowedHosts, options.lookup), onread: options.onread } as buildConnector.BuildOptions);
  return (connectOptions, callback) => {
    const hostname = connectOptions.hostname.replace(/^\[|\]$/g, '');
    if (isIP(hostname) !== 0) {
      const refusal = addressRefusal(hostname, hostname, options.allowedHosts);
      if (refusal !== undefined) {
        const error = new TargetRefusedError(`connection refused by the target policy: ${refusal}`);
        process.nextTick(() => callback(error, null));
        return;
      }
    }
    base(connectOptions, callback);
  };
}
