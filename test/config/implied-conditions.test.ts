import assert from 'node:assert/strict';
import { test } from 'node:test';
import { effectiveConditionTexts } from '../../src/config/implied-conditions.js';
import { serviceConfig } from '../helpers/services.js';

test("the original's checks are shown as the conditions they mean, before the service's own", () => {
  assert.deepEqual(effectiveConditionTexts(serviceConfig('http://127.0.0.1/')), [
    '[STATUS] == any(200-399) (expect_status)',
  ]);
  assert.deepEqual(
    effectiveConditionTexts(
      serviceConfig('http://127.0.0.1/', {
        check_regex: true,
        regex: 'ok',
        expect_status: '200,204',
        conditions: ['[BODY].a == 1'],
      }),
    ),
    ['[STATUS] == any(200, 204) (expect_status)', '[BODY] ~= /ok/ (regex)', '[BODY].a == 1'],
  );
});

test('a service whose own conditions test [STATUS] is judged by them, not by expect_status', () => {
  assert.deepEqual(
    effectiveConditionTexts(serviceConfig('http://127.0.0.1/', { conditions: ['[STATUS] == 404'] })),
    ['[STATUS] == 404'],
  );
});
