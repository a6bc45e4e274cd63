import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  classifyRemoteError,
  describeRemoteError,
  isRowLevel,
  type RemoteFailureKind,
  SQLSTATE_RULES,
} from '../../src/db/remote/sqlstate.js';

function withCode(code: string | undefined, message = 'boom'): Error {
  return Object.assign(new Error(message), code === undefined ? {} : { code });
}

/** Each documented class (docs/errors.md) and what the exporter does with it. */
const CASES: Array<[code: string | undefined, kind: RemoteFailureKind, message?: string]> = [
  // Connection and availability: retry forever, the batch untouched.
  ['08006', 'connection'],
  ['08001', 'connection'],
  ['57P01', 'connection'],
  ['57P02', 'connection'],
  ['57P03', 'connection'],
  ['ECONNREFUSED', 'connection'],
  ['ECONNRESET', 'connection'],
  ['ETIMEDOUT', 'connection'],
  ['EPIPE', 'connection'],
  ['EAI_AGAIN', 'connection'],
  [undefined, 'connection', 'Connection terminated unexpectedly'],
  [undefined, 'connection', 'Query read timeout'],
  [undefined, 'connection', 'timeout exceeded when trying to connect'],
  ['53300', 'unavailable'],
  ['53100', 'unavailable'],
  ['58030', 'unavailable'],
  ['57014', 'unavailable'],
  ['40001', 'unavailable'],
  ['40P01', 'unavailable'],
  ['55P03', 'unavailable'],
  ['25006', 'unavailable'],
  // The URI.
  ['28P01', 'auth'],
  ['28000', 'auth'],
  ['3D000', 'database'],
  // Table level: wait for a fix.
  ['42703', 'table'],
  ['42501', 'table'],
  ['42P01', 'table'],
  ['3F000', 'table'],
  ['0A000', 'table'],
  // Row level: bisect, set the row aside.
  ['22021', 'row'],
  ['22001', 'row'],
  ['23505', 'row'],
  ['23514', 'row'],
  ['54000', 'row'],
  ['P0001', 'row'],
  ['P0004', 'row'],
  ['40002', 'row'],
  // Not listed: bisection decides.
  ['XX000', 'row'],
  ['2F005', 'row'],
  ['44000', 'row'],
  // No SQLSTATE, not a network failure: retried, and not called a lost connection.
  ['EPERM', 'other'],
  ['DEPTH_ZERO_SELF_SIGNED_CERT', 'other'],
  [undefined, 'other', 'The server does not support SSL connections'],
];

test('each SQLSTATE class and Node error maps to its documented kind', () => {
  for (const [code, kind, message] of CASES) {
    assert.equal(classifyRemoteError(withCode(code, message)).kind, kind, `${code ?? message}`);
  }
});

test('only row-level refusals are bisected', () => {
  const bisected = CASES.filter(([code, , message]) =>
    isRowLevel(classifyRemoteError(withCode(code, message))),
  );
  assert.deepEqual(
    bisected.map(([c]) => c),
    ['22021', '22001', '23505', '23514', '54000', 'P0001', 'P0004', '40002', 'XX000', '2F005', '44000'],
  );
});

test('the table has one rule per code or class, and every kind it names is known', () => {
  const matches = SQLSTATE_RULES.map((r) => r.match);
  assert.equal(new Set(matches).size, matches.length, 'no duplicate rule');
  for (const r of SQLSTATE_RULES) {
    assert.ok(r.match.length === 2 || r.match.length === 5, r.match);
    assert.ok(r.name.length > 0);
  }
});

test('a log reason names the SQLSTATE and its class, and a Node code as it was', () => {
  assert.equal(
    describeRemoteError(withCode('54000', 'index row size 3016 exceeds btree version 4 maximum 2704')),
    'index row size 3016 exceeds btree version 4 maximum 2704 (SQLSTATE 54000: program limit exceeded)',
  );
  assert.equal(
    describeRemoteError(withCode('P0001', 'blocked url')),
    'blocked url (SQLSTATE P0001: PL/pgSQL error (raised by a trigger))',
  );
  assert.equal(describeRemoteError(withCode('ECONNREFUSED', '')), 'ECONNREFUSED');
  assert.equal(
    describeRemoteError(withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:1')),
    'connect ECONNREFUSED 127.0.0.1:1',
  );
});
