import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const SAMPLES = 'test/support/samples/uof/';

function cli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'feed-ingest/cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

/** Runs a decode and parses its output: every line must be one JSON object. */
function decode(...files: string[]): { status: number | null; lines: unknown[] } {
  const { status, stdout } = cli('decode', ...files);
  const lines = stdout.split('\n').filter((line) => line !== '').map((line) => JSON.parse(line) as unknown);
  return { status, lines };
}

describe('feed CLI', () => {
  test('decode prints one normalized message per file and exits 0', () => {
    const { status, lines } = decode(`${SAMPLES}odds-change.xml`, `${SAMPLES}bet-settlement.xml`);
    assert.equal(status, 0);
    assert.deepEqual(
      lines.map((line) => (line as { type: string; messageId: string }).messageId),
      ['OddsChanged:1:sr:match:61301159:1795378812345:67f88bf86c47', 'BetSettled:1:sr:match:61301159:1795383720000:d8d5da259eee'],
    );
  });

  test('a dead-lettered message prints its reason and makes the exit code 1', () => {
    const { status, lines } = decode(`${SAMPLES}alive.xml`, `${SAMPLES}bad-truncated.xml`);
    assert.equal(status, 1);
    assert.equal((lines[0] as { type: string }).type, 'ProducerAlive');
    const { deadLetter } = lines[1] as { deadLetter: { reason: string; detail: string; source: string } };
    assert.equal(deadLetter.reason, 'FEED_MALFORMED_XML');
    assert.equal(deadLetter.source, `cli:${SAMPLES}bad-truncated.xml`);
    assert.ok(deadLetter.detail.length > 0);
  });

  test('a .jsonl recording: one message per line, received at its ts, routing key used', () => {
    const { status, lines } = decode(`${SAMPLES}recordings/live-match.jsonl`);
    assert.equal(status, 0);
    const messages = lines as { type: string; receivedTs: number; eventId?: string }[];
    assert.deepEqual(messages.map((m) => m.type), ['ProducerAlive', 'ProducerAlive', 'OddsChanged', 'BetStopped', 'OddsChanged']);
    assert.equal(messages[0]!.receivedTs, 1795378800012);
    assert.equal(messages[3]!.eventId, 'sr:match:61301159');
  });

  test('an unreadable recording line is reported on stderr and makes the exit code 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'feed-cli-'));
    try {
      const file = join(dir, 'broken.jsonl');
      writeFileSync(file, ['not json', '{"xml":"<alive/>"}', '{"ts":1,"xml":"<alive product=\\"1\\" timestamp=\\"5\\" subscribed=\\"1\\"/>"}', ''].join('\n'));
      const { status, stdout, stderr } = cli('decode', file);
      assert.equal(status, 1);
      assert.deepEqual(stdout.trim().split('\n').map((line) => (JSON.parse(line) as { type: string }).type), ['ProducerAlive']);
      assert.match(stderr, /broken\.jsonl:1: not a JSON object/);
      assert.match(stderr, /broken\.jsonl:2: a recording line needs "ts"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('--help prints the usage and exits 0; usage errors exit 2', () => {
    const help = cli('--help');
    assert.equal(help.status, 0);
    assert.match(help.stdout, /^Usage: npm run -s feed -- decode FILE\.\.\./);
    assert.equal(cli().status, 2);
    assert.equal(cli('decode').status, 2);
    const unknown = cli('encode', `${SAMPLES}alive.xml`);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown command: encode/);
    const missing = cli('decode', `${SAMPLES}no-such-file.xml`);
    assert.equal(missing.status, 2);
    assert.match(missing.stderr, /cannot read/);
  });
});
