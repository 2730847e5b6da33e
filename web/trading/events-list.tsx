/** Live and upcoming events the engine prices, with how many markets are open or suspended. */
import { formatKickOff } from '../shared/format.ts';
import { clockText } from '../shared/match-clock.ts';
import { eventName, useDesk } from './context.ts';
import type { TradingEvent } from './types.ts';

export function EventsList({ events, selected }: { events: readonly TradingEvent[] | undefined; selected: string | undefined }) {
  const { fixtures } = useDesk();
  if (!events) return <p class="empty">Loading events…</p>;
  const groups = [
    { title: 'In play', events: events.filter((e) => e.phase === 'live') },
    { title: 'Upcoming', events: events.filter((e) => e.phase === 'upcoming') },
  ];
  return (
    <div class="events-list">
      {groups.map((group) => (
        <section key={group.title}>
          <h2>
            {group.title} <span class="muted">{group.events.length}</span>
          </h2>
          <ul>
            {group.events.map((event) => {
              const fixture = fixtures.get(event.eventId);
              const open = event.markets.filter((m) => m.state === 'open').length;
              const suspended = event.markets.filter((m) => m.state === 'suspended').length;
              const traderSuspended = event.suspensions.some((s) => s.reason === 'TRADER');
              return (
                <li key={event.eventId}>
                  <a class={`event-item${event.eventId === selected ? ' active' : ''}`} href={`#/event/${encodeURIComponent(event.eventId)}`} data-event-id={event.eventId}>
                    <span class="event-item-name">{eventName(fixtures, event.eventId)}</span>
                    <span class="event-item-meta">
                      {fixture?.sport.name ?? event.sportId} ·{' '}
                      {event.phase === 'live' ? (
                        <>
                          <b class="live-text">{clockText(fixture && { sportId: fixture.sport.id, matchTime: fixture.matchTime })}</b>
                          {fixture?.score ? ` ${fixture.score.home}–${fixture.score.away}` : ''}
                        </>
                      ) : fixture ? (
                        formatKickOff(fixture.scheduledStart)
                      ) : (
                        'upcoming'
                      )}
                    </span>
                    <span class="event-item-counts">
                      <span class="chip open">{open} open</span>
                      {suspended > 0 ? <span class={`chip ${traderSuspended ? 'trader' : 'suspended'}`}>{suspended} susp.</span> : null}
                    </span>
                  </a>
                </li>
              );
            })}
          </ul>
        </section>
      ))}
    </div>
  );
}
