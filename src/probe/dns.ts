import { Resolver } from 'node:dns/promises';
import { readFileSync } from 'node:fs';
import { isIP, type LookupFunction } from 'node:net';
import { errorCode, toError } from '../errors.js';

/**
 * A bounded, cached DNS resolver for the prober.
 *
 * Why not `dns.lookup` (what Node and undici use by default): it calls getaddrinfo on libuv's
 * 4-thread pool and cannot be aborted, so four hanging lookups stall every other lookup — and file
 * system work — in the process. c-ares (`dns.promises.Resolver`) is asynchronous, has its own
 * per-try timeout and retry count, and each lookup here also races a hard deadline.
 * Known differences from getaddrinfo: no nsswitch/mDNS and no resolv.conf search domains; /etc/hosts
 * is read once at start so names pinned there still work.
 */

export interface ResolvedAddress {
  address: string;
  family: 4 | 6;
}

/** A DNS failure; `code` is c-ares' (ENOTFOUND, ESERVFAIL, ENODATA, ETIMEOUT, ECONNREFUSED …). */
export class DnsError extends Error {
  readonly code: string;
  readonly hostname: string;
  /** Marks the error for the classifier: an ECONNREFUSED here is the DNS server's, not the service's. */
  readonly dns = true;

  constructor(hostname: string, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DnsError';
    this.code = code;
    this.hostname = hostname;
  }
}

export interface BoundedResolverOptions {
  /** DNS servers as 'ip' or 'ip:port'. Default: the system's (from /etc/resolv.conf). */
  servers?: string[];
  /** c-ares per-try timeout in ms (it backs off on retries). Default 1000. */
  tryTimeoutMs?: number;
  /** c-ares tries per server. Default 2. */
  tries?: number;
  /** Hard bound of one lookup whatever c-ares does, in ms. Default 5000. */
  lookupTimeoutMs?: number;
  /** Longest time an answer is reused, whatever its TTL, in ms. Default 60000. */
  maxTtlMs?: number;
  /** Shortest time an answer is reused (TTL 0 answers would otherwise be asked every probe), in ms. Default 1000. */
  minTtlMs?: number;
  /** How long a failure is remembered, so a dead name is not asked 2,000 times a second, in ms. Default 1000. */
  negativeTtlMs?: number;
  /** A hosts file read once at creation; null to skip. Default '/etc/hosts'. */
  hostsFile?: string | null;
}

interface CacheEntry {
  expiresAt: number;
  addresses?: ResolvedAddress[];
  error?: DnsError;
}

const LOCALHOST: ResolvedAddress[] = [
  { address: '127.0.0.1', family: 4 },
  { address: '::1', family: 6 },
];

/** Names in a hosts file, first address per family kept in file order. */
export function parseHosts(text: string): Map<string, ResolvedAddress[]> {
  const hosts = new Map<string, ResolvedAddress[]>();
  for (const rawLine of text.split('\n')) {
    const line = rawLine.replace(/#.*/, '').trim();
    if (!line) continue;
    const [address, ...names] = line.split(/\s+/);
    const family = isIP(address ?? '');
    if (!address || (family !== 4 && family !== 6)) continue;
    for (const name of names) {
      const key = name.toLowerCase();
      const list = hosts.get(key) ?? [];
      list.push({ address, family });
      hosts.set(key, list);
    }
  }
  return hosts;
}

function readHosts(path: string | null): Map<string, ResolvedAddress[]> {
  if (path === null) return new Map();
  try {
    return parseHosts(readFileSync(path, 'utf8'));
  } catch {
    return new Map();
  }
}

export interface BoundedResolver {
  /** Resolve now; the promise rejects with DnsError on failure, on the lookup bound or on `signal`. */
  resolve(hostname: string, signal?: AbortSignal): Promise<ResolvedAddress[]>;
  /** Answer from literals, hosts or cache without I/O, or undefined. */
  cached(hostname: string): ResolvedAddress[] | DnsError | undefined;
  /** For net/tls.connect (undici's connect options): same cache and bounds. */
  lookup: LookupFunction;
  close(): void;
}

export function createBoundedResolver(options: BoundedResolverOptions = {}): BoundedResolver {
  const resolver = new Resolver({ timeout: options.tryTimeoutMs ?? 1000, tries: options.tries ?? 2 });
  if (options.servers && options.servers.length > 0) resolver.setServers(options.servers);
  const lookupTimeoutMs = options.lookupTimeoutMs ?? 5000;
  const maxTtlMs = options.maxTtlMs ?? 60_000;
  const minTtlMs = options.minTtlMs ?? 1000;
  const negativeTtlMs = options.negativeTtlMs ?? 1000;
  const hosts = readHosts(options.hostsFile === undefined ? '/etc/hosts' : options.hostsFile);
  const cache = new Map<string, CacheEntry>();
  const inFlight = new Map<string, Promise<ResolvedAddress[]>>();
  let closed = false;

  function cached(hostname: string): ResolvedAddress[] | DnsError | undefined {
    const name = hostname.toLowerCase();
    const family = isIP(name);
    if (family === 4 || family === 6) return [{ address: name, family }];
    if (name === 'localhost' || name.endsWith('.localhost')) return LOCALHOST;
    const pinned = hosts.get(name);
    if (pinned) return pinned;
    const hit = cache.get(name);
    if (!hit) return undefined;
    if (hit.expiresAt <= Date.now()) {
      cache.delete(name);
      return undefined;
    }
    return hit.addresses ?? hit.error;
  }

  async function query(name: string): Promise<ResolvedAddress[]> {
    let ttlS = Number.POSITIVE_INFINITY;
    let addresses: ResolvedAddress[];
    try {
      const a = await resolver.resolve4(name, { ttl: true });
      addresses = a.map((r) => {
        ttlS = Math.min(ttlS, r.ttl);
        return { address: r.address, family: 4 as const };
      });
    } catch (err) {
      // Only "the name exists but has no A record" is worth asking AAAA; NXDOMAIN is final.
      if (errorCode(err) !== 'ENODATA') throw err;
      const aaaa = await resolver.resolve6(name, { ttl: true });
      addresses = aaaa.map((r) => {
        ttlS = Math.min(ttlS, r.ttl);
        return { address: r.address, family: 6 as const };
      });
    }
    if (addresses.length === 0) {
      throw new DnsError(name, 'ENODATA', `DNS: no addresses for ${name} (ENODATA)`);
    }
    const ttlMs = Math.min(maxTtlMs, Math.max(minTtlMs, Number.isFinite(ttlS) ? ttlS * 1000 : 0));
    cache.set(name, { expiresAt: Date.now() + ttlMs, addresses });
    return addresses;
  }

  function start(name: string): Promise<ResolvedAddress[]> {
    let p = inFlight.get(name);
    if (p) return p;
    p = query(name)
      .catch((err: unknown) => {
        const dnsErr = asDnsError(name, err);
        if (negativeTtlMs > 0 && !closed)
          cache.set(name, { expiresAt: Date.now() + negativeTtlMs, error: dnsErr });
        throw dnsErr;
      })
      .finally(() => inFlight.delete(name));
    inFlight.set(name, p);
    return p;
  }

  function resolve(hostname: string, signal?: AbortSignal): Promise<ResolvedAddress[]> {
    const hit = cached(hostname);
    if (hit instanceof DnsError) return Promise.reject(hit);
    if (hit) return Promise.resolve(hit);
    const name = hostname.toLowerCase();
    if (closed) return Promise.reject(new DnsError(name, 'ECANCELLED', `DNS: resolver closed (ECANCELLED)`));
    return withinLookupBound(name, lookupTimeoutMs, signal, () => start(name));
  }

  const lookup = lookupVia(resolve);

  return {
    resolve,
    cached,
    lookup,
    close() {
      closed = true;
      resolver.cancel();
      cache.clear();
    },
  };
}

function asDnsError(name: string, err: unknown): DnsError {
  if (err instanceof DnsError) return err;
  const e = toError(err);
  const code = errorCode(e) ?? 'EDNS';
  return new DnsError(name, code, `DNS lookup of ${name} failed (${code})`, { cause: e });
}

/** `query()` (not started when `signal` has already fired) raced against `boundMs` and `signal`. */
function withinLookupBound(
  name: string,
  boundMs: number,
  signal: AbortSignal | undefined,
  query: () => Promise<ResolvedAddress[]>,
): Promise<ResolvedAddress[]> {
  const started = Date.now();
  return new Promise<ResolvedAddress[]>((res, rej) => {
    // c-ares cannot cancel one query, only all of them: a query that outlives its bound is
    // abandoned (it still ends by its own timeout/tries) and the caller moves on now.
    const fail = (why: string) => {
      cleanup();
      const ms = Date.now() - started;
      rej(
        new DnsError(
          name,
          'ETIMEOUT',
          `DNS lookup of ${name} did not answer within ${ms} ms (ETIMEOUT${why})`,
        ),
      );
    };
    const timer = setTimeout(() => fail(''), boundMs);
    const onAbort = () => fail(', deadline');
    signal?.addEventListener('abort', onAbort, { once: true });
    function cleanup() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
    if (signal?.aborted) return fail(', deadline');
    query().then(
      (v) => {
        cleanup();
        res(v);
      },
      (err: unknown) => {
        cleanup();
        rej(err);
      },
    );
  });
}

/** `resolve` as a net/tls LookupFunction: honours `family` when it can and `all`. */
function lookupVia(resolve: (hostname: string) => Promise<ResolvedAddress[]>): LookupFunction {
  return ((hostname: string, opts: unknown, callback: unknown) => {
    const cb = (typeof opts === 'function' ? opts : callback) as (
      err: NodeJS.ErrnoException | null,
      address: string | ResolvedAddress[],
      family?: number,
    ) => void;
    const o = (typeof opts === 'object' && opts !== null ? opts : {}) as { all?: boolean; family?: number };
    resolve(hostname).then(
      (list) => {
        const wanted = o.family === 4 || o.family === 6 ? list.filter((a) => a.family === o.family) : list;
        const usable = wanted.length > 0 ? wanted : list;
        if (o.all) cb(null, usable);
        else cb(null, usable[0]!.address, usable[0]!.family);
      },
      (err: unknown) => cb(toError(err) as NodeJS.ErrnoException, ''),
    );
  }) as LookupFunction;
}
