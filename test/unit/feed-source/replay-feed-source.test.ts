import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ReplayFeedSource, rootTimestamp } from '../../../adapters/feed-source/replay-feed-source.ts';
import type { ReplayFeedSourceOptions } from '../../../adapters/feed-source/replay-feed-source.ts';
import { isAppError } from '../../../core/errors.ts';
import type { RawFeedMessage } from '../../../core/ports/feed-source.ts';
import { silentLogger } from '../../../core/ports/logger.ts';
import { ManualClock } from '../../support/manual-clock.ts';
import { waitFor } from '../../support/wait.ts';

const T0 = 1_763_812_800_000;

function oddsChange(id: number, ts?: number): string {
  const timestamp = ts === undefined ? '' : ` timestamp="${ts}"`;
  return `<?xml version="1.0" encoding="UTF-8"?>\n<odds_change product="1" event_id="sr:match:${id}"${timestamp}><odds/></odds_change>`;
}

const text = (m: RawFeedMessage): string => Buffer.from(m.payload).toString('utf8');

describe('ReplayFeedSource', () => {
  let root: string;
  let counter = 0;
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'replay-feed-source-'));
  });
  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  async function folder(files: Record<string, string>): Promise<string> {
    const dir = path.join(root, `folder-${++counter}`);
    await mkdir(dir);
    for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
    return dir;
  }

  async function jsonl(lines: readonly string[]): Promise<string> {
    const file = path.join(root, `recording-${++counter}.jsonl`);
    await writeFile(file, lines.join('\n') + '\n');
    return file;
  }

  function replay(options: ReplayFeedSourceOptions, clock = new ManualClock()) {
    const source = new ReplayFeedSource({ clock, logger: silentLogger }, options);
    const seen: RawFeedMessage[] = [];
    const start = () => source.start(async (m) => void seen.push(m));
    return { source, clock, seen, start };
  }

  test('replays a folder in natural name order, each file as one message', async () => {
    const dir = await folder({ '10.xml': oddsChange(10), '2.xml': oddsChange(2), '1.xml': oddsChange(1), 'notes.txt': 'x' });
    const { source, seen, start } = replay({ path: dir });
    await start();
    await source.whenFinished();

    assert.deepEqual(seen.map(text), [oddsChange(1), oddsChange(2), oddsChange(10)]);
    assert.equal(seen[0]!.source, `replay:${path.join(dir, '1.xml')}`);
    assert.equal(seen[0]!.routingKey, undefined);
    assert.equal(source.deliveredCount(), 3);
  });

  test('keeps the recorded pace through the clock', async () => {
    const dir = await folder({
      'a.xml': oddsChange(1, T0),
      'b.xml': oddsChange(2, T0 + 2000),
      'c.xml': oddsChange(3, T0 + 2500),
    });
    const { source, clock, seen, start } = replay({ path: dir });
    const startedAt = clock.now();
    await start();

    await waitFor(() => seen.length === 1 && clock.pendingTimers() === 1, { message: 'first message, then a wait' });
    assert.equal(seen[0]!.receivedTs, startedAt);
    clock.advance(1999);
    await settle();
    assert.equal(seen.length, 1, 'second message early');
    clock.advance(1);
    await waitFor(() => seen.length === 2 && clock.pendingTimers() === 1, { message: 'second message' });
    assert.equal(seen[1]!.receivedTs, startedAt + 2000);
    clock.advance(500);
    await source.whenFinished();
    assert.equal(seen[2]!.receivedTs, startedAt + 2500);
  });

  test('speed divides the gaps; speed 0 delivers without waiting', async () => {
    const dir = await folder({ 'a.xml': oddsChange(1, T0), 'b.xml': oddsChange(2, T0 + 10_000) });

    const fast = replay({ path: dir, speed: 4 });
    await fast.start();
    await waitFor(() => fast.clock.pendingTimers() === 1, { message: 'a wait' });
    fast.clock.advance(2499);
    await settle();
    assert.equal(fast.seen.length, 1);
    fast.clock.advance(1);
    await fast.source.whenFinished();
    assert.equal(fast.seen.length, 2);

    const flat = replay({ path: dir, speed: 0 });
    await flat.start();
    await flat.source.whenFinished();
    assert.equal(flat.seen.length, 2);
    assert.equal(flat.seen[1]!.receivedTs, flat.seen[0]!.receivedTs);
  });

  test("order 'timestamp' sorts a folder by the messages' timestamps", async () => {
    const dir = await folder({
      'a.xml': oddsChange(1, T0 + 300),
      'b.xml': oddsChange(2, T0 + 100),
      'c.xml': oddsChange(3, T0 + 200),
      'd.xml': oddsChange(4, T0 + 100),
    });
    const { source, seen, start } = replay({ path: dir, order: 'timestamp', speed: 0 });
    await start();
    await source.whenFinished();
    assert.deepEqual(seen.map(text), [oddsChange(2, T0 + 100), oddsChange(4, T0 + 100), oddsChange(3, T0 + 200), oddsChange(1, T0 + 300)]);
  });

  test("order 'timestamp' refuses a file without a timestamp", async () => {
    const dir = await folder({ 'a.xml': oddsChange(1, T0), 'b.xml': oddsChange(2) });
    const { start } = replay({ path: dir, order: 'timestamp' });
    await assert.rejects(start(), (err) => isAppError(err) && err.code === 'CONFIG_INVALID' && err.message.includes('b.xml'));
  });

  test('replays a .jsonl recording with routing keys, skipping lines that are not messages', async () => {
    const file = await jsonl([
      JSON.stringify({ ts: T0, xml: oddsChange(1), routingKey: 'hi.-.live.odds_change.1.sr:match.1.-' }),
      'not json',
      JSON.stringify({ ts: 'soon', xml: oddsChange(9) }),
      '',
      JSON.stringify({ ts: T0 + 1000, xml: oddsChange(2) }),
    ]);
    const { source, clock, seen, start } = replay({ path: file });
    await start();
    await waitFor(() => seen.length === 1 && clock.pendingTimers() === 1, { message: 'first line' });
    assert.equal(seen[0]!.routingKey, 'hi.-.live.odds_change.1.sr:match.1.-');
    assert.equal(seen[0]!.source, `replay:${file}:1`);
    clock.advance(1000);
    await source.whenFinished();
    assert.deepEqual(seen.map(text), [oddsChange(1), oddsChange(2)]);
    assert.equal(seen[1]!.source, `replay:${file}:5`);
    assert.equal(seen[1]!.routingKey, undefined);
  });

  test('loops until stopped', async () => {
    const file = await jsonl([JSON.stringify({ ts: T0, xml: oddsChange(1) }), JSON.stringify({ ts: T0 + 100, xml: oddsChange(2) })]);
    const { source, clock, seen, start } = replay({ path: file, loop: true });
    await start();
    for (let i = 0; i < 3; i++) {
      await waitFor(() => clock.pendingTimers() === 1, { message: 'a wait' });
      clock.advance(100);
    }
    await waitFor(() => seen.length === 5, { message: 'two passes and a half' });
    assert.deepEqual(seen.map(text), [1, 2, 1, 2, 1].map((id) => oddsChange(id)));
    await source.stop();
    await source.whenFinished();
    assert.equal(clock.pendingTimers(), 0);
  });

  test('offers a message again after its handler failed', async () => {
    const dir = await folder({ '1.xml': oddsChange(1), '2.xml': oddsChange(2) });
    const clock = new ManualClock();
    const source = new ReplayFeedSource({ clock, logger: silentLogger }, { path: dir, retryDelayMs: 250 });
    const calls: string[] = [];
    let failures = 1;
    await source.start(async (m) => {
      calls.push(text(m));
      if (text(m) === oddsChange(1) && failures-- > 0) throw new Error('bus down');
    });
    await waitFor(() => calls.length === 1 && clock.pendingTimers() === 1, { message: 'the retry wait' });
    clock.advance(250);
    await source.whenFinished();
    assert.deepEqual(calls, [oddsChange(1), oddsChange(1), oddsChange(2)]);
    assert.equal(source.deliveredCount(), 2);
  });

  test('stop ends a wait at once and delivers nothing more', async () => {
    const dir = await folder({ 'a.xml': oddsChange(1, T0), 'b.xml': oddsChange(2, T0 + 60_000) });
    const { source, clock, seen, start } = replay({ path: dir });
    await start();
    await waitFor(() => clock.pendingTimers() === 1, { message: 'a wait' });
    await source.stop();
    await source.whenFinished();
    assert.equal(clock.pendingTimers(), 0);
    clock.advance(60_000);
    await settle();
    assert.equal(seen.length, 1);
  });

  test('start refuses a path that is not a recording', async () => {
    const empty = await folder({});
    const other = path.join(root, 'recording.txt');
    await writeFile(other, 'x');
    for (const p of [path.join(root, 'missing'), empty, other]) {
      const { start } = replay({ path: p });
      await assert.rejects(start(), (err) => isAppError(err) && err.code === 'CONFIG_INVALID', p);
    }
    assert.throws(() => replay({ path: empty, speed: -1 }), (err) => isAppError(err) && err.code === 'CONFIG_INVALID');
  });

  test('rootTimestamp reads the root element only, past the declaration and comments', () => {
    assert.equal(rootTimestamp(oddsChange(1, T0)), T0);
    assert.equal(rootTimestamp(`<!-- timestamp="1" --><alive product="1" timestamp='${T0}'/>`), T0);
    assert.equal(rootTimestamp('<odds_change product="1"><odds timestamp="5"/></odds_change>'), undefined);
  });
});

/** Lets pending promise callbacks and I/O run, so "nothing happened" means nothing was due. */
async function settle(): Promise<void> {
  for (let i = 0; i < 10; i++) await new Promise((resolve) => setImmediate(resolve));
}
