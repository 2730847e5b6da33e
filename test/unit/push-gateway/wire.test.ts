import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseChannel } from '../../../push-gateway/channels.ts';
import { parseSubscribe, parseUnsubscribe } from '../../../push-gateway/wire.ts';

describe('parseChannel', () => {
  test('knows the three kinds, ids with colons included', () => {
    assert.deepEqual(parseChannel('event:sr:match:123'), { kind: 'event', name: 'event:sr:match:123', eventId: 'sr:match:123' });
    assert.deepEqual(parseChannel('sport:sr:sport:1:live'), { kind: 'live', name: 'sport:sr:sport:1:live', sportId: 'sr:sport:1' });
    assert.deepEqual(parseChannel('player:p-42'), { kind: 'player', name: 'player:p-42', playerId: 'p-42' });
  });

  test('refuses everything else', () => {
    for (const bad of ['event:123', 'event:', 'sport:sr:sport:1', 'sport:1:live', 'player:', 'player:a b', 'bets', `event:sr:match:${'1'.repeat(200)}`, 42, null, undefined]) {
      assert.equal(parseChannel(bad), undefined, String(bad));
    }
  });
});

describe('parseSubscribe', () => {
  test('channels with per-channel positions, deduplicated', () => {
    const r = parseSubscribe({ channels: ['event:sr:match:1', 'event:sr:match:1', 'player:p'], since: { 'event:sr:match:1': { epoch: 'e', seq: 4 } } }, 10);
    assert.ok(r.ok);
    assert.deepEqual(r.value.channels, ['event:sr:match:1', 'player:p']);
    assert.deepEqual([...r.value.since], [['event:sr:match:1', { epoch: 'e', seq: 4 }]]);
  });

  test('the bare {epoch, seq} form names the only channel', () => {
    const r = parseSubscribe({ channels: ['event:sr:match:1'], since: { epoch: 'e', seq: 0 } }, 10);
    assert.ok(r.ok);
    assert.deepEqual(r.value.since.get('event:sr:match:1'), { epoch: 'e', seq: 0 });
    assert.equal(parseSubscribe({ channels: ['a', 'b'], since: { epoch: 'e', seq: 1 } }, 10).ok, false);
  });

  test('rejects what it does not understand, saying why', () => {
    const cases: Array<[unknown, RegExp]> = [
      [undefined, /expects an object/],
      [['event:sr:match:1'], /expects an object/],
      [{ channels: [] }, /non-empty array/],
      [{ channels: 'event:sr:match:1' }, /non-empty array/],
      [{ channels: [1] }, /strings/],
      [{ channels: ['a'], extra: true }, /unknown field extra/],
      [{ channels: ['a', 'b', 'c'] }, /at most 2/],
      [{ channels: ['a'], since: { a: { epoch: '', seq: 1 } } }, /epoch/],
      [{ channels: ['a'], since: { a: { epoch: 'e', seq: -1 } } }, /seq/],
      [{ channels: ['a'], since: { a: { epoch: 'e', seq: 1.5 } } }, /seq/],
      [{ channels: ['a'], since: { b: { epoch: 'e', seq: 1 } } }, /not in channels/],
      [{ channels: ['a'], since: { a: { epoch: 'e', seq: 1, x: 1 } } }, /unknown field x/],
    ];
    for (const [body, message] of cases) {
      const r = parseSubscribe(body, 2);
      assert.equal(r.ok, false, JSON.stringify(body));
      if (!r.ok) assert.match(r.message, message);
    }
  });

  test('unsubscribe takes channels only', () => {
    assert.deepEqual(parseUnsubscribe({ channels: ['a'] }, 5), { ok: true, value: { channels: ['a'] } });
    assert.equal(parseUnsubscribe({ channels: ['a'], since: {} }, 5).ok, false);
  });
});
