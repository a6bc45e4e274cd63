import { test } from 'node:test';
import { checkConditions as check, observation } from '../helpers/observations.js';

test('missing data fails the condition and says why; has() is then false and == null holds', () => {
  const failed = observation({
    status: null,
    responseTimeMs: null,
    dnsMs: null,
    connectMs: null,
    tlsMs: null,
    ttfbMs: null,
    transferMs: null,
    body: null,
    headers: null,
    certExpiresAt: null,
    certIssuer: null,
    ip: null,
    bytesRead: 0,
  });
  check(
    [
      ['[STATUS] == 200', false, '(no response)'],
      ['[STATUS] != 200', false, '(no response)'],
      ['[STATUS] == null', true, '(no response)'],
      ['[STATUS] != null', false, '(no response)'],
      ['[RESPONSE_TIME] < 1s', false, '(no response)'],
      ['[DNS_TIME] < 1s', false, '(no DNS lookup)'],
      ['[CONNECT_TIME] < 1s', false, '(no new connection)'],
      ['[TLS_TIME] < 1s', false, '(no TLS handshake)'],
      ['[TTFB] < 1s', false, '(no response)'],
      ['[TRANSFER_TIME] < 1s', false, '(no response)'],
      ['[BODY] ~= /x/', false, '(no response)'],
      ['[BODY].a == 1', false, '(no response)'],
      ['[HEADER].server == x', false, '(no response)'],
      ['[CERT_EXPIRY] > 7d', false, '(no response)'],
      ['[CERT_ISSUER] == x', false, '(no response)'],
      ['[IP] == 127.0.0.1', false, '(no connection)'],
      ['[BYTES] == 0', true, '0'],
      ['has([BODY].a)', false, '(no response)'],
      ['has([BODY].a) == false', true, '(no response)'],
    ],
    failed,
  );
  const plainHttp = observation({ tlsMs: null, certExpiresAt: null, certIssuer: null });
  check(
    [
      ['[CERT_EXPIRY] > 7d', false, '(not HTTPS)'],
      ['[CERT_ISSUER] == x', false, '(not HTTPS)'],
      ['[TLS_TIME] < 1s', false, '(not HTTPS)'],
      ['has([CERT_ISSUER])', false, '(not HTTPS)'],
    ],
    plainHttp,
  );
  check(
    [
      ['[BODY].nope == 1', false, '(path not found)'],
      ['[BODY].items[3].name == a', false, '(path not found)'],
      ['[BODY].status.deeper == a', false, '(path not found)'],
      ['[BODY][0] == 1', false, '(path not found)'],
      ['[BODY].items.length == 3', false, '(path not found)'],
      ['[BODY].nope == null', true, '(path not found)'],
      ['[BODY].nope != "x"', false, '(path not found)'],
    ],
    observation(),
  );
  check(
    [
      ['[BODY].a == 1', false, '(body is not JSON)'],
      ['has([BODY].a)', false, '(body is not JSON)'],
      ['[BODY] == "{\\"a\\": 1"', true, '"{\\"a\\": 1"'],
    ],
    observation({ body: '{"a": 1' }),
  );
  check([['[BODY] ~= /x/', false, '(no body)']], observation({ body: null }));
});

test('headers: any case in the condition, several values joined, absent ones missing', () => {
  check([
    ['[HEADER].Content-Type == "application/json"', true, '"application/json"'],
    ['[HEADER].CONTENT-TYPE ~= /^text\\//', false, '"application/json"'],
    ['[HEADER].set-cookie == "a=1, b=2"', true, '"a=1, b=2"'],
    ['[HEADER].x-count == 42', true, '"42"'],
    ['[HEADER].x-missing == x', false, '(header not found)'],
    ['[HEADER].constructor == x', false, '(header not found)'],
    ['has([HEADER].X-Count)', true, '"42"'],
    ['has([HEADER].x-missing)', false, '(header not found)'],
    ['has([HEADER].x-missing) != true', true, '(header not found)'],
  ]);
});
