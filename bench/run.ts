/**
 * Runs every bench/*.bench.ts in turn (alphabetical), or those whose name contains the filter:
 *   npm run bench                 # all
 *   npm run bench -- feed-ingest  # only bench/feed-ingest.bench.ts
 * Each bench file's default export is `async function run(): Promise<BenchResult>`; this runner
 * prints its table and whether each goal was met. Missed goals are reported, not failed: figures
 * from a shared machine are for reading, and bench/RESULTS.md records the reference ones.
 */
import { readdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath, pathToFileURL } from 'node:url';

export interface BenchGoal {
  readonly goal: string;
  readonly met: boolean;
  readonly measured: string;
}

export interface BenchResult {
  readonly name: string;
  /** One row per measured variant, printed as a table. */
  readonly rows: readonly Readonly<Record<string, string | number>>[];
  readonly goals: readonly BenchGoal[];
}

type Bench = () => Promise<BenchResult>;

async function main(filter: string | undefined): Promise<number> {
  const dir = fileURLToPath(new URL('.', import.meta.url));
  const files = readdirSync(dir)
    .filter((name) => name.endsWith('.bench.ts') && (filter === undefined || name.includes(filter)))
    .sort();
  if (files.length === 0) {
    console.error(`no bench/*.bench.ts matches ${JSON.stringify(filter)}`);
    return 2;
  }
  console.log(`node ${process.version}, ${cpus().length} cores, ${cpus()[0]?.model ?? 'unknown CPU'}`);
  for (const file of files) {
    const module = (await import(pathToFileURL(dir + file).href)) as { default?: Bench };
    if (typeof module.default !== 'function') {
      console.error(`${file} has no default export function`);
      return 1;
    }
    const result = await module.default();
    console.log(`\n## ${result.name}`);
    console.table(result.rows);
    for (const goal of result.goals) console.log(`${goal.met ? 'met   ' : 'MISSED'}  ${goal.goal}: ${goal.measured}`);
  }
  return 0;
}

process.exitCode = await main(process.argv[2]);
