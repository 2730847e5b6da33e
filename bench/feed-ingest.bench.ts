/**
 * Feed decoding throughput on one core: translateFeedMessage (parse + build the document +
 * normalize + hash) against saxes alone with the decoder's options, listening to the events the
 * decoder listens to with handlers that do nothing (the XML library's own cost), on the 40-market
 * live odds_change sample. decodeUof alone shows the split, and fast-xml-parser's parse (the
 * decoder's previous library) is kept for reference.
 * Variants run in short interleaved rounds so drift on a shared machine hits all of them alike;
 * throughputs are the medians of the rounds, and each ratio is the median of the per-round ratios
 * (a variant against the baseline measured just before it). The CPU time per message (process
 * CPU, so it includes the garbage collector's helper threads) moves far less than wall time when
 * other work shares the cores.
 */
import { readFileSync } from 'node:fs';
import { XMLParser } from 'fast-xml-parser';
import { SaxesParser } from 'saxes';
import { translateFeedMessage } from '../feed-ingest/translate.ts';
import { decodeUof, UOF_SAX_OPTIONS } from '../feed-ingest/uof/decode.ts';
import type { BenchResult } from './run.ts';

const SAMPLE = new URL('../test/support/samples/uof/odds-change-40-markets.xml', import.meta.url);
const WARM_UP_MS = 2_000;
const ROUNDS = 20;
const ROUND_MS = 250;
const GOAL_RATIO = 0.5;
const GOAL_MSGS_PER_S = 20_000;

interface Round {
  /** Calls per second of wall time. */
  readonly perSecond: number;
  /** Microseconds of process CPU time per call. */
  readonly cpuMicros: number;
}

/** Calls fn for about ms milliseconds of wall time. */
function measure(fn: () => unknown, ms: number): Round {
  const cpu = process.cpuUsage();
  const start = performance.now();
  const end = start + ms;
  let calls = 0;
  let now = start;
  while (now < end) {
    for (let i = 0; i < 16; i++) fn();
    calls += 16;
    now = performance.now();
  }
  const used = process.cpuUsage(cpu);
  return { perSecond: (calls * 1000) / (now - start), cpuMicros: (used.user + used.system) / calls };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export default async function run(): Promise<BenchResult> {
  const payload = readFileSync(SAMPLE);
  const raw = { payload, source: 'bench', receivedTs: 0 };
  const check = translateFeedMessage(raw);
  if (check.kind !== 'message' || check.message.type !== 'OddsChanged' || check.message.markets.length !== 40) {
    throw new Error('the bench sample does not translate to a 40-market OddsChanged');
  }

  const ignore = (): void => {};
  const saxesOnly = (): void => {
    const parser = new SaxesParser(UOF_SAX_OPTIONS);
    parser.on('opentag', ignore);
    parser.on('closetag', ignore);
    parser.write(payload).close();
  };
  const fastXmlParser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, parseTagValue: false });
  const variants = {
    'parse only (baseline)': saxesOnly,
    decodeUof: () => decodeUof(payload),
    translateFeedMessage: () => translateFeedMessage(raw),
    'fast-xml-parser parse (reference)': () => fastXmlParser.parse(payload),
  };
  const names = Object.keys(variants) as (keyof typeof variants)[];
  for (const name of names) measure(variants[name], WARM_UP_MS / names.length);

  const samples = new Map(names.map((name) => [name, [] as Round[]]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of names) samples.get(name)!.push(measure(variants[name], ROUND_MS));
  }

  const baselineRounds = samples.get('parse only (baseline)')!;
  const ratio = (name: keyof typeof variants): number => median(samples.get(name)!.map((value, round) => value.perSecond / baselineRounds[round]!.perSecond));
  const perSecondOf = (name: keyof typeof variants): number[] => samples.get(name)!.map((value) => value.perSecond);
  const cpuOf = (name: keyof typeof variants): number => median(samples.get(name)!.map((value) => value.cpuMicros));
  const rows = names.map((name) => {
    const values = perSecondOf(name);
    const perSecond = median(values);
    return {
      variant: name,
      'msgs/s (median)': Math.round(perSecond),
      'min..max': `${Math.round(Math.min(...values))}..${Math.round(Math.max(...values))}`,
      'MB/s': Number(((perSecond * payload.length) / 1e6).toFixed(1)),
      'µs/msg': Number((1e6 / perSecond).toFixed(1)),
      'CPU µs/msg': Number(cpuOf(name).toFixed(1)),
      'vs parse only': Number(ratio(name).toFixed(2)),
    };
  });
  const translate = median(perSecondOf('translateFeedMessage'));
  const translateRatio = ratio('translateFeedMessage');
  const translateCpu = cpuOf('translateFeedMessage');
  return {
    name: `feed-ingest: ${payload.length}-byte odds_change, 40 markets, ${ROUNDS} interleaved rounds of ${ROUND_MS} ms`,
    rows,
    goals: [
      {
        goal: `translate ≥ ${GOAL_RATIO}× parse only`,
        met: translateRatio >= GOAL_RATIO,
        measured: `${translateRatio.toFixed(2)}× (on CPU time: ${(cpuOf('parse only (baseline)') / translateCpu).toFixed(2)}×)`,
      },
      {
        goal: `translate ≥ ${GOAL_MSGS_PER_S} msgs/s`,
        met: translate >= GOAL_MSGS_PER_S,
        measured: `${Math.round(translate)} msgs/s (${Math.round(1e6 / translateCpu)} per CPU second)`,
      },
    ],
  };
}
