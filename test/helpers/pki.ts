import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newKeyArgs, openssl } from './openssl.js';

/** A test CA, a server certificate it signed, and a client certificate it signed, as files. */
export interface TestPki {
  dir: string;
  caFile: string;
  serverCert: string;
  serverKey: string;
  clientCert: string;
  clientKey: string;
  /** The server certificate's notAfter, epoch ms. */
  serverExpiresAt: number;
  read(path: string): string;
}

/**
 * Made with the openssl CLI: a CA valid 30 days, a server certificate for 127.0.0.1, localhost
 * and `names` valid `serverDays` days, and a client certificate (clientAuth). The caller removes
 * `dir`.
 */
export function makePki(serverDays: number, names: string[] = []): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'monitor-pki-'));
  const run = (args: string[]) => openssl(dir, args);
  const caSubject = ['-subj', '/CN=Monitor Test CA'];
  run(['req', '-x509', ...newKeyArgs('ca.key'), '-out', 'ca.pem', '-days', '30', ...caSubject]);
  const san = ['IP:127.0.0.1', 'DNS:localhost', ...names.map((n) => `DNS:${n}`)].join(',');
  writeFileSync(join(dir, 'server.ext'), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  writeFileSync(join(dir, 'client.ext'), 'extendedKeyUsage=clientAuth\n');
  for (const [name, days] of [
    ['server', serverDays],
    ['client', 30],
  ] as const) {
    run(['req', '-new', ...newKeyArgs(`${name}.key`), '-out', `${name}.csr`, '-subj', `/CN=${name}`]);
    run(
      ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial'].concat([
        '-out',
        `${name}.pem`,
        '-days',
        String(days),
        '-extfile',
        `${name}.ext`,
      ]),
    );
  }
  const enddate = openssl(dir, ['x509', '-enddate', '-noout', '-in', 'server.pem']).toString('utf8');
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    serverCert: join(dir, 'server.pem'),
    serverKey: join(dir, 'server.key'),
    clientCert: join(dir, 'client.pem'),
    clientKey: join(dir, 'client.key'),
    serverExpiresAt: Date.parse(enddate.replace(/^notAfter=/, '').trim()),
    read: (path) => readFileSync(path, 'utf8'),
  };
}
