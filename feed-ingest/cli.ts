/**
 * Command line: run recorded provider messages through the same translation the service uses.
 *   npm run -s feed -- decode FILE...
 */
import { readFileSync } from 'node:fs';
import type { RawFeedMessage } from '../core/ports/feed-source.ts';
import { translateFeedMessage } from './translate.ts';

const USAGE = `Usage: npm run -s feed -- decode FILE...

Decodes Unified Odds Feed messages and prints one JSON line per message: the normalized
message, or {"deadLetter":{...}} with the reason it could not be used.

FILE is either one XML message, or a recording ending in .jsonl: one JSON object per line,
{"ts": <received, ms since 1970>, "xml": "<odds_change .../>", "routingKey": "<optional>"}.

Exit status: 0 every message decoded; 1 a message was dead-lettered or a recording line was
unreadable; 2 usage error (unknown command, no file, a file that cannot be read).
`;

const EXIT_OK = 0;
const EXIT_DEAD_LETTERED = 1;
const EXIT_USAGE = 2;

function run(args: readonly string[]): number {
  if (args.includes('--help') || args.includes('-h')) {
    process.stdout.write(USAGE);
    return EXIT_OK;
  }
  const [command, ...files] = args;
  if (command !== 'decode' || files.length === 0) {
    process.stderr.write(command === undefined || command === 'decode' ? USAGE : `unknown command: ${command}\n\n${USAGE}`);
    return EXIT_USAGE;
  }

  const inputs: { file: string; bytes: Buffer }[] = [];
  for (const file of files) {
    try {
      inputs.push({ file, bytes: readFileSync(file) });
    } catch (error) {
      process.stderr.write(`cannot read ${file}: ${error instanceof Error ? error.message : String(error)}\n`);
      return EXIT_USAGE;
    }
  }

  let exit = EXIT_OK;
  for (const { file, bytes } of inputs) {
    const messages = file.endsWith('.jsonl') ? recording(file, bytes) : [{ payload: bytes, source: `cli:${file}`, receivedTs: Date.now() }];
    for (const raw of messages) {
      if (raw === undefined) {
        exit = EXIT_DEAD_LETTERED;
        continue;
      }
      const translation = translateFeedMessage(raw);
      if (translation.kind === 'message') {
        process.stdout.write(`${JSON.stringify(translation.message)}\n`);
      } else {
        process.stdout.write(`${JSON.stringify({ deadLetter: translation.deadLetter })}\n`);
        exit = EXIT_DEAD_LETTERED;
      }
    }
  }
  return exit;
}

/** The messages of a .jsonl recording; undefined (reported on stderr) for a line that is not one. */
function recording(file: string, bytes: Buffer): (RawFeedMessage | undefined)[] {
  const out: (RawFeedMessage | undefined)[] = [];
  bytes
    .toString('utf8')
    .split('\n')
    .forEach((line, index) => {
      if (line.trim() === '') return;
      const where = `${file}:${index + 1}`;
      let entry: unknown;
      try {
        entry = JSON.parse(line);
      } catch {
        process.stderr.write(`${where}: not a JSON object\n`);
        out.push(undefined);
        return;
      }
      const { ts, xml, routingKey } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
      if (typeof xml !== 'string' || typeof ts !== 'number' || !Number.isFinite(ts) || (routingKey !== undefined && typeof routingKey !== 'string')) {
        process.stderr.write(`${where}: a recording line needs "ts" (ms) and "xml" (string), and "routingKey" must be a string\n`);
        out.push(undefined);
        return;
      }
      const raw: RawFeedMessage = { payload: Buffer.from(xml, 'utf8'), source: `cli:${file}`, receivedTs: ts };
      out.push(routingKey === undefined ? raw : { ...raw, routingKey });
    });
  return out;
}

process.exitCode = run(process.argv.slice(2));
