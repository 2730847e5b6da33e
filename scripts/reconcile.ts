/**
 * `npm run -s reconcile`: checks the ledger, the holds and the bets of record against each other
 * (settlement/reconcile.ts) and prints every discrepancy. Exit code 0 when there is none, 1 when
 * there are some, 2 when the check could not run.
 *
 *   npm run -s reconcile                                  distributed mode (SB_MODE=distributed):
 *                                                         the PostgreSQL of SB_PG_URL, as --pg;
 *                                                         embedded mode keeps its state in the
 *                                                         app's process: asks the running app's
 *                                                         GET /v1/trading/reconcile, with a trader
 *                                                         token from POST /v1/dev/tokens
 *   npm run -s reconcile -- --url http://host:3000 [--token JWT]
 *                                                         another app; --token where demo tokens
 *                                                         are off
 *   npm run -s reconcile -- --pg postgres://... [--schema name]
 *                                                         the ledger of record directly: reads the
 *                                                         PostgreSQL wallet and bet store tables,
 *                                                         writes nothing (no migration either)
 *   add --json for the report as JSON
 *
 * Settings are read as app/config.ts reads them (the app's address from SB_HTTP_HOST and
 * SB_HTTP_PORT). The check is exact on a ledger at rest; under traffic a bet in flight can show
 * once (see settlement/reconcile.ts).
 */
import { parseArgs } from 'node:util';
import { PostgresBetStore } from '../adapters/bet-store/postgres-bet-store.ts';
import { SystemClock } from '../adapters/clock/system-clock.ts';
import { PostgresDatabase } from '../adapters/postgres/database.ts';
import { PostgresWallet } from '../adapters/wallet/postgres-wallet.ts';
import { loadConfig } from '../app/config.ts';
import { collectLedger, reconcile, type Discrepancy, type ReconcileReport } from '../settlement/reconcile.ts';

const USAGE = 'usage: npm run -s reconcile -- [--url URL [--token JWT] | --pg POSTGRES_URL [--schema NAME]] [--json]';

interface Report {
  readonly ok: boolean;
  readonly checked: ReconcileReport['checked'];
  readonly total: number;
  readonly discrepancies: readonly Discrepancy[];
}

async function fromPostgres(url: string, schema: string | undefined): Promise<Report> {
  const clock = new SystemClock();
  const options = { url, ...(schema === undefined ? {} : { schema }), poolSize: 2, applicationName: 'sportsbook-reconcile' };
  const walletDb = new PostgresDatabase(options);
  const betsDb = new PostgresDatabase(options);
  try {
    const report = reconcile(await collectLedger(new PostgresWallet(walletDb, clock), new PostgresBetStore(betsDb, clock)));
    return { ...report, total: report.discrepancies.length };
  } finally {
    await Promise.all([walletDb.close(), betsDb.close()]);
  }
}

async function fromApp(base: string, token: string | undefined): Promise<Report> {
  const json = async (response: Response, what: string) => {
    const body = (await response.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!response.ok) throw new Error(`${what}: HTTP ${response.status} ${JSON.stringify(body?.error ?? body ?? '')}`);
    return body!;
  };
  let bearer = token;
  if (bearer === undefined) {
    const minted = await fetch(new URL('/v1/dev/tokens', base), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ sub: 'reconcile', role: 'trader', name: 'reconcile command' }),
    });
    bearer = String((await json(minted, 'a trader token from /v1/dev/tokens (pass --token where demo tokens are off)')).token);
  }
  const response = await fetch(new URL('/v1/trading/reconcile?limit=10000', base), { headers: { authorization: `Bearer ${bearer}` } });
  return (await json(response, 'GET /v1/trading/reconcile')) as unknown as Report;
}

function print(report: Report, source: string): void {
  const { players, bets, holds, postings } = report.checked;
  console.log(`${source}: ${players} players, ${bets} bets, ${holds} holds, ${postings} postings checked`);
  if (report.ok) {
    console.log('no discrepancy');
    return;
  }
  console.log(`${report.total} discrepancies:`);
  for (const d of report.discrepancies) {
    const where = [d.player && `player ${d.player}`, d.betId && `bet ${d.betId}`, d.journalId && `journal ${d.journalId}`].filter(Boolean).join(', ');
    console.log(`  ${d.kind.padEnd(18)} ${where}: ${d.detail}`);
  }
  if (report.total > report.discrepancies.length) console.log(`  ... and ${report.total - report.discrepancies.length} more`);
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: { url: { type: 'string' }, token: { type: 'string' }, pg: { type: 'string' }, schema: { type: 'string' }, json: { type: 'boolean' } },
      strict: true,
    }).values;
  } catch (error) {
    console.error(`${(error as Error).message}\n${USAGE}`);
    return 2;
  }
  if (args.pg !== undefined && (args.url !== undefined || args.token !== undefined)) {
    console.error(`--pg reads the database itself; it takes no --url or --token\n${USAGE}`);
    return 2;
  }
  let report: Report;
  let source: string;
  try {
    const config = loadConfig(process.env);
    const pgUrl = args.pg ?? (args.url === undefined && config.mode === 'distributed' ? config.pgUrl : undefined);
    if (pgUrl !== undefined) {
      source = `PostgreSQL${args.schema ? ` schema ${args.schema}` : ''}`;
      report = await fromPostgres(pgUrl, args.schema);
    } else {
      const host = config.httpHost === '0.0.0.0' || config.httpHost === '::' ? '127.0.0.1' : config.httpHost;
      source = args.url ?? `http://${host.includes(':') ? `[${host}]` : host}:${config.httpPort}`;
      report = await fromApp(source, args.token);
    }
  } catch (error) {
    const cause = (error as Error).cause as { message?: string } | undefined;
    console.error(`reconcile could not run: ${(error as Error).message}${cause?.message ? ` (${cause.message})` : ''}`);
    return 2;
  }
  if (args.json) console.log(JSON.stringify(report, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), 2));
  else print(report, source);
  return report.ok ? 0 : 1;
}

process.exitCode = await main();
