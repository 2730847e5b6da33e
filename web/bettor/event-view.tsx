/**
 * One event: who plays, score and clock when live, and every market on offer, named from the
 * market descriptions. Prices change in place; a suspended market stays on screen, locked.
 */
import { LockIcon } from '../shared/lock-icon.tsx';
import { useFixture } from '../shared/fixtures.ts';
import { formatKickOff } from '../shared/format.ts';
import { clockText } from '../shared/match-clock.ts';
import { marketNames, matchName, suspensionText, type Competitor } from '../shared/names.ts';
import { useBettor, useEventBook, useLiveList } from './context.ts';
import { offeredMarkets, type BookMarket } from './event-book.ts';
import { OutcomeButton } from './outcome-button.tsx';

const STATUS_WORDS: Readonly<Record<string, string>> = {
  live: 'In play',
  suspended: 'Interrupted',
  ended: 'Ended',
  closed: 'Ended',
  cancelled: 'Cancelled',
  postponed: 'Postponed',
};

export function EventView({ eventId }: { eventId: string }) {
  const { fixtures } = useBettor();
  const fixture = useFixture(fixtures, eventId);
  const live = useLiveList(fixture?.sport.id)?.state.get(eventId);
  const book = useEventBook(eventId);
  const competitors = live?.competitors ?? fixture?.competitors ?? [];
  const markets = book ? offeredMarkets(book.state) : [];
  const score = live?.score ?? fixture?.score;
  const inPlay = live !== undefined;

  return (
    <article class="event-view" data-event-id={eventId}>
      <a class="back" href={fixture ? `#/sport/${encodeURIComponent(fixture.sport.id)}` : '#/'}>
        ← {fixture?.sport.name ?? 'All events'}
      </a>
      <header class="event-header">
        <div class="event-meta">
          {fixture?.tournament.name}
          {inPlay ? (
            <span class="live-pill">
              Live {clockText(live)}
            </span>
          ) : fixture ? (
            <span class="kickoff">{fixture.status === 'not_started' ? `Starts ${formatKickOff(fixture.scheduledStart)}` : STATUS_WORDS[fixture.status] ?? fixture.status}</span>
          ) : null}
        </div>
        <h1 class="scoreline">
          <span>{competitors.find((c) => c.qualifier === 'home')?.name ?? 'Home'}</span>
          <b class="score">{score ? `${score.home} – ${score.away}` : 'v'}</b>
          <span>{competitors.find((c) => c.qualifier === 'away')?.name ?? 'Away'}</span>
        </h1>
      </header>
      {book?.error ? <p class="notice error">{book.error}</p> : null}
      {book?.position === undefined ? (
        <p class="empty">Loading markets…</p>
      ) : markets.length === 0 ? (
        <p class="empty">No markets are open for this event.</p>
      ) : (
        <div class="markets">
          {markets.map((market) => (
            <MarketCard key={market.marketKey} eventId={eventId} market={market} competitors={competitors} />
          ))}
        </div>
      )}
    </article>
  );
}

function MarketCard({ eventId, market, competitors }: { eventId: string; market: BookMarket; competitors: readonly Competitor[] }) {
  const names = marketNames(market.marketKey, competitors);
  const locked = market.state !== 'open';
  const reason = locked ? suspensionText(market.reasons) : undefined;
  const outcomes = market.outcomes.filter((o) => o.price !== undefined || locked);
  return (
    <section class={`market${locked ? ' suspended' : ''}`} data-market={market.marketKey} data-state={market.state}>
      <h3>
        {names.name}
        {locked ? (
          <span class="market-lock" title={reason}>
            <LockIcon title={reason ?? 'Suspended'} /> {reason}
          </span>
        ) : null}
      </h3>
      <div class={`outcomes n${Math.min(outcomes.length, 3)}`}>
        {outcomes.map((o) => (
          <OutcomeButton
            key={o.outcomeId}
            label={names.outcome(o.outcomeId)}
            price={o.active ? o.price : undefined}
            locked={locked}
            {...(reason ? { lockReason: reason } : {})}
            selection={{ eventId, marketKey: market.marketKey, outcomeId: o.outcomeId, eventName: matchName(competitors), marketName: names.name, outcomeName: names.outcome(o.outcomeId) }}
          />
        ))}
      </div>
    </section>
  );
}
