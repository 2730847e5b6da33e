/**
 * Embedded demo only: simulated bettors, so `npm start` shows the whole money path working —
 * bets accepted at live prices, matches ending, bets settling, balances changing. Each tick a
 * random demo player backs a random open outcome of a priced event with a small single, through
 * the same acceptor (and checks) a real request goes through.
 */
import type { Clock, Timer } from '../core/ports/clock.ts';
import type { Logger } from '../core/ports/logger.ts';
import type { PriceBook } from '../core/ports/price-book.ts';
import type { Service } from '../core/service.ts';
import type { BetAcceptor } from '../bet-acceptor/bet-acceptor-service.ts';

export interface DemoBettorsOptions {
  /** Bets attempted per minute. */
  readonly betsPerMinute: number;
  /** Players demo-2..demo-N bet; demo-1 is left to whoever opens the bettor page (its default player). */
  readonly players: number;
}

export function createDemoBettors(
  deps: { clock: Clock; logger: Logger; priceBook: PriceBook; acceptor: BetAcceptor },
  options: DemoBettorsOptions,
): Service {
  const logger = deps.logger.child({ service: 'demo-bettors' });
  const tally = new Map<string, number>();
  let timer: Timer | undefined;
  let summary: Timer | undefined;
  let placed = 0;
  let busy = false;

  const pick = <T>(items: readonly T[]): T | undefined => items[Math.floor(Math.random() * items.length)];

  const betOnce = async () => {
    const events = await deps.priceBook.listEvents();
    const listed = pick(events);
    if (!listed) return;
    const book = await deps.priceBook.getEvent(listed.eventId);
    const market = pick(book?.markets.filter((m) => m.state === 'open') ?? []);
    const outcome = pick(market?.outcomes.filter((o) => o.active && o.price !== undefined) ?? []);
    if (!book || !market || !outcome?.price) return;
    const player = `demo-${2 + Math.floor(Math.random() * (options.players - 1))}`;
    placed += 1;
    const { response } = await deps.acceptor.place(player, `demo-bet-${deps.clock.now()}-${placed}`, {
      stake: `${1 + Math.floor(Math.random() * 20)}.00`,
      oddsChange: 'higher',
      legs: [
        {
          eventId: book.eventId,
          marketId: market.marketId,
          specifiers: market.specifiers,
          outcomeId: outcome.outcomeId,
          price: outcome.price,
          priceVersion: { epoch: book.epoch, seq: book.seq },
        },
      ],
    });
    const body = response.body as { status?: string; reason?: string; error?: { code?: string } };
    const result = response.statusCode === 201 ? 'accepted' : (body.reason ?? body.error?.code ?? String(response.statusCode));
    tally.set(result, (tally.get(result) ?? 0) + 1);
  };

  return {
    name: 'demo-bettors',
    async start() {
      if (options.betsPerMinute <= 0 || timer) return;
      timer = deps.clock.setInterval(() => {
        if (busy) return;
        busy = true;
        betOnce()
          .catch((err: unknown) => logger.warn({ err }, 'demo bet failed'))
          .finally(() => (busy = false));
      }, 60_000 / options.betsPerMinute);
      summary = deps.clock.setInterval(() => {
        if (tally.size === 0) return;
        logger.info({ results: Object.fromEntries(tally) }, `demo bettors: ${[...tally.values()].reduce((a, b) => a + b, 0)} bets in the last minute`);
        tally.clear();
      }, 60_000);
      logger.info({ betsPerMinute: options.betsPerMinute, players: options.players }, 'demo bettors started');
    },
    async stop() {
      timer?.cancel();
      summary?.cancel();
      timer = undefined;
    },
  };
}
