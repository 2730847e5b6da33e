import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { History } from '../../../push-gateway/history.ts';

describe('History', () => {
  test('keeps the last entries, contiguous, and answers ranges only when it reaches', () => {
    const h = new History<string>(3);
    for (let seq = 5; seq <= 9; seq++) h.append(seq, seq * 10, `c${seq}`);
    assert.equal(h.size, 3);
    assert.equal(h.firstSeq, 7);
    assert.equal(h.lastSeq, 9);
    assert.deepEqual(h.range(6, 9)?.map((e) => e.change), ['c7', 'c8', 'c9']);
    assert.deepEqual(h.range(7, 8)?.map((e) => e.change), ['c8']);
    assert.deepEqual(h.range(9, 9), []);
    assert.equal(h.range(5, 9), undefined, 'seq 6 is gone');
    assert.equal(h.range(6, 10), undefined, 'seq 10 is not there yet');
    assert.equal(h.covers(6), true);
    assert.equal(h.covers(5), false);
    assert.equal(h.covers(10), false);
  });

  test('refuses a change that does not follow the last one', () => {
    const h = new History<number>(4);
    h.append(1, 0, 1);
    assert.throws(() => h.append(3, 0, 3), /expects seq 2/);
    assert.throws(() => h.append(1, 0, 1), /expects seq 2/);
    h.clear();
    h.append(40, 0, 40);
    assert.equal(h.firstSeq, 40);
  });

  test('drops entries by age, oldest first', () => {
    const h = new History<number>(10);
    for (let seq = 1; seq <= 5; seq++) h.append(seq, seq * 100, seq);
    h.pruneOlderThan(300);
    assert.equal(h.firstSeq, 3);
    assert.equal(h.size, 3);
    h.pruneOlderThan(10_000);
    assert.equal(h.size, 0);
    assert.equal(h.firstSeq, undefined);
    h.append(6, 600, 6);
    assert.deepEqual(h.range(5, 6)?.map((e) => e.change), [6]);
  });

  test('wraps around the ring many times', () => {
    const h = new History<number>(7);
    for (let seq = 1; seq <= 1000; seq++) {
      h.append(seq, 0, seq);
      const from = Math.max(0, seq - 7);
      assert.deepEqual(h.range(from, seq)?.map((e) => e.change), Array.from({ length: seq - from }, (_, i) => from + i + 1));
    }
  });
});
