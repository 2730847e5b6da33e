/**
 * The odds board of one sport: events in play (from the live-list channel: score, clock, main
 * market) and the next ones to start (from the catalog, their main market from each event's
 * channel).
 */
import type { Fixture } from '../shared/fixtures.ts';
import { formatKickOff } from '../shared/format.ts';
import { clockText } from '../shared/match-clock.ts';
import { marketNames, matchName, suspensionText } from '../shared/names.ts';
import { mainMarketKey, useBettor, useEventBook, useLiveList } from './context.ts';
import type { LiveEvent, LiveMarket } from './live-list.ts';
import { OutcomeButton } from './outcome-button.tsx';

/** Upcoming events listed per sport; each one is a channel subscription. */
const UPCOMING_SHOWN = 10;

/** Column labels of the main markets: 1X2 and winner markets. */
const SHORT_LABELS: Readonly<Record<string, string>> = { '1': '1', '2': 'X', '3': '2', '4': '1', '5': '2' };

export function Board({ sportId }: { sportId: string | undefined }) {
  const { fixtures } = useBettor();
  const live = useLiveList(sportId);
  if (sportId === undefined) return <p class="empty">No events are on offer right now.</p>;
  const liveEvents = [...(live?.state.values() ?? [])];
  const upcoming = [...fixtures.values()]
    .filter((f) => f.sport.id === sportId && f.status === 'not_started')
    .sort((a, b) => a.scheduledStart.localeCompare(b.scheduledStart))
    .slice(0, UPCOMING_SHOWN);
  const sportName = [...fixtures.values()].find((f) => f.sport.id === sportId)?.sport.name ?? sportId;
  return (
    <div class="board">
      <section class="board-section" aria-label="In play">
        <h2>
          <span class="live-pill">Live</span> {sportName} in play
        </h2>
        {live?.position === undefined ? (
          <p class="empty">Loading live events…</p>
        ) : liveEvents.length === 0 ? (
          <p class="empty">Nothing in play right now.</p>
        ) : (
          <ul class="event-list">
            {liveEvents.map((event) => (
              <LiveRow key={event.eventId} event={event} />
            ))}
          </ul>
        )}
      </section>
      <section class="board-section" aria-label="Starting soon">
        <h2>Starting soon</h2>
        {upcoming.length === 0 ? (
          <p class="empty">No upcoming events.</p>
        ) : (
          <ul class="event-list">
            {upcoming.map((fixture) => (
              <UpcomingRow key={fixture.eventId} fixture={fixture} />
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}

function LiveRow({ event }: { event: LiveEvent }) {
  return (
    <li class="event-row live" data-event-id={event.eventId}>
      <div class="event-clock">
        <span class="clock">{clockText(event)}</span>
        {event.status === 'suspended' ? <span class="paused">Paused</span> : null}
      </div>
      <a class="event-teams" href={`#/event/${encodeURIComponent(event.eventId)}`}>
        <span class="team">
          <span class="team-name">{event.competitors.find((c) => c.qualifier === 'home')?.name}</span>
          <b class="score">{event.score?.home ?? 0}</b>
        </span>
        <span class="team">
          <span class="team-name">{event.competitors.find((c) => c.qualifier === 'away')?.name}</span>
          <b class="score">{event.score?.away ?? 0}</b>
        </span>
        <span class="tournament">{event.tournament.name}</span>
      </a>
      <MainMarket eventId={event.eventId} competitors={event.competitors} market={event.main} />
    </li>
  );
}

function UpcomingRow({ fixture }: { fixture: Fixture }) {
  const book = useEventBook(fixture.eventId);
  const key = mainMarketKey(fixture.sport.id);
  const market = book?.state.markets.get(key);
  return (
    <li class="event-row" data-event-id={fixture.eventId}>
      <div class="event-clock">
        <span class="kickoff">{formatKickOff(fixture.scheduledStart)}</span>
      </div>
      <a class="event-teams" href={`#/event/${encodeURIComponent(fixture.eventId)}`}>
        <span class="team">
          <span class="team-name">{fixture.competitors.find((c) => c.qualifier === 'home')?.name}</span>
        </span>
        <span class="team">
          <span class="team-name">{fixture.competitors.find((c) => c.qualifier === 'away')?.name}</span>
        </span>
        <span class="tournament">{fixture.tournament.name}</span>
      </a>
      <MainMarket eventId={fixture.eventId} competitors={fixture.competitors} market={market} />
    </li>
  );
}

function MainMarket({ eventId, competitors, market }: { eventId: string; competitors: LiveEvent['competitors']; market: LiveMarket | undefined }) {
  if (!market || (market.state !== 'open' && market.state !== 'suspended') || market.outcomes.length === 0) {
    return <div class="main-market unavailable">–</div>;
  }
  const names = marketNames(market.marketKey, competitors);
  const locked = market.state !== 'open';
  return (
    <div class="main-market" data-market={market.marketKey}>
      {market.outcomes.map((o) => (
        <OutcomeButton
          key={o.outcomeId}
          label={SHORT_LABELS[o.outcomeId] ?? names.outcome(o.outcomeId)}
          price={o.active ? o.price : undefined}
          locked={locked}
          lockReason={suspensionText(market.reasons)}
          selection={{
            eventId,
            marketKey: market.marketKey,
            outcomeId: o.outcomeId,
            eventName: matchName(competitors),
            marketName: names.name,
            outcomeName: names.outcome(o.outcomeId),
          }}
        />
      ))}
    </div>
  );
}
