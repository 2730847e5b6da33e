// Every recorded sample decodes to exactly its expected result (expected/<name>.json: the
// normalized message without receivedTs, or {"deadLetter":{"reason":...}}).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { translateFeedMessage } from '../../../feed-ingest/translate.ts';

const SAMPLES = fileURLToPath(new URL('../../support/samples/uof/', import.meta.url));
const RECEIVED_TS = Date.UTC(2026, 10, 22, 20, 0, 0);

const samples = readdirSync(SAMPLES)
  .filter((name) => name.endsWith('.xml'))
  .sort();

function actualResult(name: string): unknown {
  const translation = translateFeedMessage({ payload: readFileSync(SAMPLES + name), source: `replay:${name}`, receivedTs: RECEIVED_TS });
  if (translation.kind === 'dead-letter') return { deadLetter: { reason: translation.deadLetter.reason } };
  const { receivedTs, ...rest } = translation.message;
  assert.equal(receivedTs, RECEIVED_TS);
  // Through JSON, as consumers see it on the bus.
  return JSON.parse(JSON.stringify(rest));
}

describe('UOF samples', () => {
  test('there is a sample of every message type and of the bad cases', () => {
    const roots = new Set(samples.map((name) => /<([a-z_]+)[\s>/]/.exec(readFileSync(SAMPLES + name, 'utf8'))?.[1]));
    for (const root of ['odds_change', 'bet_stop', 'bet_settlement', 'bet_cancel', 'rollback_bet_settlement', 'rollback_bet_cancel', 'fixture_change', 'alive', 'snapshot_complete']) {
      assert.ok(roots.has(root), `no sample with root <${root}>`);
    }
    assert.ok(samples.filter((name) => name.startsWith('bad-')).length >= 3);
  });

  test('every expected result has its sample', () => {
    for (const expected of readdirSync(`${SAMPLES}expected`)) {
      assert.ok(existsSync(SAMPLES + expected.replace(/\.json$/, '.xml')), `expected/${expected} has no sample`);
    }
  });

  for (const name of samples) {
    test(name, () => {
      const expectedFile = `${SAMPLES}expected/${name.replace(/\.xml$/, '.json')}`;
      assert.ok(existsSync(expectedFile), `missing ${expectedFile}`);
      assert.deepEqual(actualResult(name), JSON.parse(readFileSync(expectedFile, 'utf8')));
    });
  }
});
