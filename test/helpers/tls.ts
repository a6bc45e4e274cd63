import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { newKeyArgs, openssl } from './openssl.js';

export interface TestCert {
  key: string;
  cert: string;
}

export type CertKind = 'self-signed' | 'expired';

const CA_CONFIG = `[ ca ]
default_ca = CA_default
[ CA_default ]
database = ./db/index.txt
serial = ./db/serial
new_certs_dir = ./db
default_md = sha256
policy = policy_any
copy_extensions = copy
unique_subject = no
[ policy_any ]
commonName = supplied
[ req ]
distinguished_name = dn
prompt = no
[ dn ]
CN = localhost
`;

const cache = new Map<CertKind, TestCert>();

/**
 * A certificate for 127.0.0.1/localhost made with the openssl CLI in a temp dir. 'expired' is
 * signed by `openssl ca` with explicit dates in 2020, since OpenSSL 3.0's `req -x509` cannot
 * back-date. Made once per kind per process.
 */
export function makeCert(kind: CertKind): TestCert {
  const hit = cache.get(kind);
  if (hit) return hit;
  const dir = mkdtempSync(join(tmpdir(), 'monitor-tls-'));
  try {
    const run = (args: string[]) => openssl(dir, args);
    const keyArgs = newKeyArgs('key.pem');
    const san = ['-addext', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost'];
    writeFileSync(join(dir, 'ca.cnf'), CA_CONFIG);
    if (kind === 'self-signed') {
      run(['req', '-x509', ...keyArgs, '-out', 'cert.pem', '-days', '2', '-config', 'ca.cnf', ...san]);
    } else {
      mkdirSync(join(dir, 'db'));
      writeFileSync(join(dir, 'db', 'index.txt'), '');
      writeFileSync(join(dir, 'db', 'serial'), '01\n');
      run(['req', '-new', ...keyArgs, '-out', 'req.csr', '-config', 'ca.cnf', ...san]);
      run(
        ['ca', '-batch', '-config', 'ca.cnf', '-selfsign', '-keyfile', 'key.pem', '-in', 'req.csr'].concat([
          '-out',
          'cert.pem',
          '-notext',
          '-startdate',
          '20200101000000Z',
          '-enddate',
          '20200102000000Z',
        ]),
      );
    }
    const out = {
      key: readFileSync(join(dir, 'key.pem'), 'utf8'),
      cert: readFileSync(join(dir, 'cert.pem'), 'utf8'),
    };
    cache.set(kind, out);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
