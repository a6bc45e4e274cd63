import dgram from 'node:dgram';
import { once } from 'node:events';

/**
 * A tiny authoritative-looking DNS server over UDP on 127.0.0.1, so tests exercise DNS failures
 * without ever resolving a public name. Each name answers as its rule says; unknown names are
 * NXDOMAIN. Only A/AAAA questions matter here; anything else gets an empty answer.
 */
export type DnsRule =
  | { kind: 'a'; addresses: string[]; ttl?: number }
  | { kind: 'nxdomain' }
  | { kind: 'servfail' }
  /** The name exists but has no records of the asked type (NOERROR, no answers). */
  | { kind: 'nodata' }
  /** Never answer. */
  | { kind: 'hang' };

export interface TestDnsServer {
  /** '127.0.0.1:PORT', for the prober's dnsServers option. */
  server: string;
  /** Questions received, by lower-cased name. */
  queries(name: string): number;
  close(): Promise<void>;
}

function readName(msg: Buffer, offset: number): { name: string; end: number } {
  const labels: string[] = [];
  let i = offset;
  while (i < msg.length) {
    const len = msg[i]!;
    if (len === 0) return { name: labels.join('.'), end: i + 1 };
    labels.push(msg.toString('latin1', i + 1, i + 1 + len));
    i += 1 + len;
  }
  throw new Error('truncated DNS name');
}

function answer(query: Buffer, rule: DnsRule | undefined): Buffer | null {
  const { end } = readName(query, 12);
  const qtype = query.readUInt16BE(end);
  const question = query.subarray(12, end + 4);
  const kind = rule?.kind ?? 'nxdomain';
  if (kind === 'hang') return null;
  const rcode = kind === 'nxdomain' ? 3 : kind === 'servfail' ? 2 : 0;
  const records: Buffer[] = [];
  if (rule?.kind === 'a' && qtype === 1) {
    for (const addr of rule.addresses) {
      const rr = Buffer.alloc(16);
      rr.writeUInt16BE(0xc00c, 0); // pointer to the question's name
      rr.writeUInt16BE(1, 2); // A
      rr.writeUInt16BE(1, 4); // IN
      rr.writeUInt32BE(rule.ttl ?? 60, 6);
      rr.writeUInt16BE(4, 10);
      const octets = addr.split('.');
      for (let j = 0; j < 4; j++) rr.writeUInt8(Number(octets[j]), 12 + j);
      records.push(rr);
    }
  }
  const header = Buffer.alloc(12);
  header.writeUInt16BE(query.readUInt16BE(0), 0); // id
  header.writeUInt16BE(0x8180 | (query.readUInt16BE(2) & 0x0100) | rcode, 2); // QR, RD copied, RA
  header.writeUInt16BE(1, 4);
  header.writeUInt16BE(records.length, 6);
  return Buffer.concat([header, question, ...records]);
}

export async function startDnsServer(rules: Record<string, DnsRule>): Promise<TestDnsServer> {
  const byName = new Map(Object.entries(rules).map(([k, v]) => [k.toLowerCase(), v]));
  const counts = new Map<string, number>();
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    try {
      const { name } = readName(msg, 12);
      const key = name.toLowerCase();
      counts.set(key, (counts.get(key) ?? 0) + 1);
      const reply = answer(msg, byName.get(key));
      if (reply) socket.send(reply, rinfo.port, rinfo.address);
    } catch {
      // a malformed packet gets no answer
    }
  });
  socket.bind(0, '127.0.0.1');
  await once(socket, 'listening');
  const { port } = socket.address();
  return {
    server: `127.0.0.1:${port}`,
    queries: (name) => counts.get(name.toLowerCase()) ?? 0,
    close: () => new Promise<void>((resolve) => socket.close(() => resolve())),
  };
}
