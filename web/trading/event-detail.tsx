/**
 * One event as the desk trades it: per market the fair probability, the provider's price and the
 * published price of each outcome, the overround against the margin and where the margin comes
 * from, why it is suspended; actions to suspend or resume the event or a market and to shift an
 * outcome's price by ladder ticks.
 */
import { useState } from 'preact/hooks';
import { ApiError } from '../shared/api.ts';
import { formatPercent } from '../shared/format.ts';
import { LockIcon } from '../shared/lock-icon.tsx';
import { useFixture } from '../shared/fixtures.ts';
import { marketNames, matchName, suspensionLabel, type Competitor } from '../shared/names.ts';
import { Price } from '../shared/price.tsx';
import { enc, eventName, useDesk } from './context.ts';
import type { TradingEvent, TradingMarket } from './types.ts';

export interface EventDetailProps {
  readonly event: TradingEvent | undefined;
  readonly eventId: string;
  readonly chartMarket: string | undefined;
  onChart(marketKey: string): void;
  /** After an action: read the event again. */
  onChanged(): void;
}

export function EventDetail({ event, eventId, chartMarket, onChart, onChanged }: EventDetailProps) {
  const { fixtures, call } = useDesk();
  const [busy, setBusy] = useState<string | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [showClosed, setShowClosed] = useState(false);
  const fixture = useFixture(fixtures, eventId);

  async function act(key: string, path: string, method: 'POST' | 'PUT' | 'DELETE', body?: unknown): Promise<void> {
    setBusy(key);
    setError(undefined);
    try {
      await call(path, { method, ...(body === undefined ? {} : { body }) });
      onChanged();
    } catch (e) {
      setError(e instanceof ApiError ? `${e.code}: ${e.message}` : String(e));
    } finally {
      setBusy(undefined);
    }
  }

  if (!event) return <p class="empty">Loading {eventName(fixtures, eventId)}…</p>;
  const eventSuspended = event.suspensions.some((s) => s.reason === 'TRADER');
  const offered = (m: TradingMarket) => m.state === 'open' || m.state === 'suspended';
  const closedCount = event.markets.filter((m) => !offered(m)).length;
  const markets = event.markets
    .filter((m) => showClosed || offered(m))
    .sort((a, b) => a.marketId - b.marketId || a.marketKey.localeCompare(b.marketKey, undefined, { numeric: true }));
  return (
    <section class="event-detail" data-event-id={eventId}>
      <header class="panel-header">
        <div>
          <h2>{fixture ? matchName(fixture.competitors) : eventId}</h2>
          <p class="muted">
            {fixture?.sport.name} · {fixture?.tournament.name} · {event.phase}
            {fixture?.score ? ` · ${fixture.score.home}–${fixture.score.away}` : ''} · {event.markets.length} markets
          </p>
          {event.suspensions.length > 0 ? (
            <p class="reasons">
              {event.suspensions.map((s) => (
                <span key={s.reason} class={`chip ${s.reason === 'TRADER' ? 'trader' : 'suspended'}`}>
                  {suspensionLabel(s.reason, s.detail)}
                </span>
              ))}
            </p>
          ) : null}
        </div>
        <button
          type="button"
          class={eventSuspended ? 'primary' : 'danger'}
          disabled={busy !== undefined}
          onClick={() => void act('event', `/v1/trading/events/${enc(eventId)}/${eventSuspended ? 'resume' : 'suspend'}`, 'POST')}
        >
          {eventSuspended ? 'Resume event' : 'Suspend event'}
        </button>
      </header>
      {error ? <p class="notice error">{error}</p> : null}
      {closedCount > 0 ? (
        <label class="show-closed">
          <input type="checkbox" checked={showClosed} onChange={(e) => setShowClosed(e.currentTarget.checked)} />
          Show {closedCount} closed or resulted markets
        </label>
      ) : null}
      <div class="table-scroll">
        <table class="markets-table">
          <thead>
            <tr>
              <th>Market / outcome</th>
              <th class="num">Fair</th>
              <th class="num">Provider</th>
              <th class="num">Published</th>
              <th class="num">Shift</th>
            </tr>
          </thead>
          {markets.map((market) => (
            <MarketRows
              key={market.marketKey}
              market={market}
              eventId={eventId}
              competitors={fixture?.competitors}
              charted={market.marketKey === chartMarket}
              busy={busy}
              onChart={() => onChart(market.marketKey)}
              act={act}
            />
          ))}
        </table>
      </div>
    </section>
  );
}

interface MarketRowsProps {
  readonly market: TradingMarket;
  readonly eventId: string;
  readonly competitors: readonly Competitor[] | undefined;
  readonly charted: boolean;
  readonly busy: string | undefined;
  onChart(): void;
  act(key: string, path: string, method: 'POST' | 'PUT' | 'DELETE', body?: unknown): Promise<void>;
}

function MarketRows({ market, eventId, competitors, charted, busy, onChart, act }: MarketRowsProps) {
  const names = marketNames(market.marketKey, competitors);
  const traderSuspended = market.suspensions.some((s) => s.reason === 'TRADER');
  const base = `/v1/trading/events/${enc(eventId)}/markets/${enc(market.marketKey)}`;
  return (
    <tbody class={`market-group state-${market.state}`} data-market={market.marketKey}>
      <tr class="market-row">
        <th colSpan={5} scope="rowgroup">
          <div class="market-head">
            <span class="market-name">
              {market.state !== 'open' ? <LockIcon title={market.state} /> : null} {names.name}
              <span class={`chip state-${market.state}`}>{market.state}</span>
              {market.suspensions.map((s) => (
                <span key={s.reason} class={`chip ${s.reason === 'TRADER' ? 'trader' : 'suspended'}`}>
                  {suspensionLabel(s.reason, s.detail)}
                </span>
              ))}
            </span>
            <span class="market-figures">
              <span title={`margin from the ${market.marginLevel} level, ${market.method}`}>
                Margin <b>{formatPercent(market.margin)}</b> <span class="muted">({market.marginLevel})</span>
              </span>
              <span class={market.inBand ? '' : 'warn'} title={market.inBand ? 'overround within the band' : 'overround outside the band'}>
                Overround <b>{formatPercent(market.overround)}</b>
              </span>
            </span>
            <span class="market-actions">
              <button type="button" class={charted ? 'small active' : 'small'} onClick={onChart}>
                Chart
              </button>
              {market.state === 'open' || market.state === 'suspended' ? (
                <button type="button" class={traderSuspended ? 'small primary' : 'small danger'} disabled={busy !== undefined} onClick={() => void act(market.marketKey, `${base}/${traderSuspended ? 'resume' : 'suspend'}`, 'POST')}>
                  {traderSuspended ? 'Resume' : 'Suspend'}
                </button>
              ) : null}
            </span>
          </div>
        </th>
      </tr>
      {market.outcomes.map((o) => {
        const ticks = o.shiftTicks ?? 0;
        const shift = (next: number) =>
          act(`${market.marketKey}#${o.outcomeId}`, `${base}/outcomes/${enc(o.outcomeId)}/shift`, next === 0 ? 'DELETE' : 'PUT', next === 0 ? undefined : { ticks: next });
        return (
          <tr key={o.outcomeId} class="outcome-row" data-outcome={o.outcomeId}>
            <td>{names.outcome(o.outcomeId)}</td>
            <td class="num">{formatPercent(o.fair, 1)}</td>
            <td class="num">{o.providerOdds?.toFixed(2) ?? '–'}</td>
            <td class="num published">{o.active ? <Price price={o.price} /> : <span class="muted">–</span>}</td>
            <td class="num shift">
              <button type="button" class="tick" aria-label="Shift down one tick" disabled={busy !== undefined} onClick={() => void shift(ticks - 1)}>
                −
              </button>
              <span class={ticks === 0 ? 'muted' : ticks > 0 ? 'up' : 'down'}>{ticks > 0 ? `+${ticks}` : ticks}</span>
              <button type="button" class="tick" aria-label="Shift up one tick" disabled={busy !== undefined} onClick={() => void shift(ticks + 1)}>
                +
              </button>
            </td>
          </tr>
        );
      })}
    </tbody>
  );
}
