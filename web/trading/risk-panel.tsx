/**
 * Risk and results from analytics: the liability on each outcome over open bets (what the house
 * loses if it wins), the open exposure per event, and GGR by sport and day. Rows of the event in
 * view are highlighted.
 *
 * Exposure per event: the open stake on its outcomes and its worst outcome's liability. Rows are
 * per-outcome worst cases (an accumulator counts in full on each leg), so they are never summed.
 */
import { fromUnits, toUnits } from '../shared/decimal.ts';
import { formatMoney, utcDay } from '../shared/format.ts';
import { marketNames } from '../shared/names.ts';
import { usePolling } from '../shared/use-polling.ts';
import { enc, eventName, useDesk } from './context.ts';
import type { GgrRow, LiabilityRow } from './types.ts';

const LIABILITY_ROWS = 25;

export function RiskPanel({ eventId }: { eventId: string | undefined }) {
  const { call, fixtures } = useDesk();
  const all = usePolling((signal) => call<{ rows: LiabilityRow[] }>('/v1/trading/reports/liability?limit=500', { signal }), 3000, []);
  const rows = all.data?.rows ?? [];
  const shown = rows.slice(0, LIABILITY_ROWS);
  const exposure = exposureByEvent(rows);
  return (
    <div class="risk">
      <section aria-label="Liability per outcome">
        <h3>
          Liability per outcome <span class="muted">largest first</span>
        </h3>
        {all.error ? <p class="notice error">{all.error.message}</p> : null}
        {shown.length === 0 ? (
          <p class="empty">{all.data ? 'No open bets.' : 'Loading…'}</p>
        ) : (
          <div class="table-scroll">
            <table class="liability">
              <thead>
                <tr>
                  <th>Outcome</th>
                  <th class="num">Bets</th>
                  <th class="num">Stake</th>
                  <th class="num">Liability</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => {
                  const names = marketNames(r.marketKey, fixtures.get(r.eventId)?.competitors);
                  return (
                    <tr key={`${r.eventId}#${r.marketKey}#${r.outcomeId}#${r.currency}`} data-event-id={r.eventId} class={r.eventId === eventId ? 'active' : ''}>
                      <td>
                        {names.outcome(r.outcomeId)} <span class="muted">· {names.name}</span>
                        <span class="muted block">{eventName(fixtures, r.eventId)}</span>
                      </td>
                      <td class="num">{r.bets}</td>
                      <td class="num">{formatMoney(r.openStake, r.currency)}</td>
                      <td class="num strong">{formatMoney(r.liability, r.currency)}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section aria-label="Open exposure per event">
        <h3>Open exposure per event</h3>
        {exposure.length === 0 ? (
          <p class="empty">{all.data ? 'No open bets.' : 'Loading…'}</p>
        ) : (
          <div class="table-scroll">
            <table>
              <thead>
                <tr>
                  <th>Event</th>
                  <th class="num">Open stake</th>
                  <th class="num">Worst outcome</th>
                </tr>
              </thead>
              <tbody>
                {exposure.map((e) => (
                  <tr key={`${e.eventId}#${e.currency}`} class={e.eventId === eventId ? 'active' : ''}>
                    <td>
                      <a href={`#/event/${enc(e.eventId)}`}>{eventName(fixtures, e.eventId)}</a>
                    </td>
                    <td class="num">{formatMoney(e.openStake, e.currency)}</td>
                    <td class="num strong">{formatMoney(e.worst, e.currency)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <GgrReport />
    </div>
  );
}

function GgrReport() {
  const { call } = useDesk();
  const from = utcDay(6);
  const to = utcDay(0);
  const ggr = usePolling((signal) => call<{ rows: GgrRow[] }>(`/v1/trading/reports/ggr?from=${from}&to=${to}`, { signal }), 5000, [from, to]);
  const { fixtures } = useDesk();
  const sportName = (id: string) => [...fixtures.values()].find((f) => f.sport.id === id)?.sport.name ?? (id === 'multi' ? 'Multi-sport' : id);
  const rows = [...(ggr.data?.rows ?? [])].sort((a, b) => b.day.localeCompare(a.day) || a.sportId.localeCompare(b.sportId));
  const days = [...new Set(rows.map((r) => r.day))].map((day) => [day, rows.filter((r) => r.day === day)] as const);
  return (
    <section aria-label="GGR by sport and day">
      <h3>
        GGR by sport and day <span class="muted">last 7 days (UTC)</span>
      </h3>
      {ggr.error ? <p class="notice error">{ggr.error.message}</p> : null}
      {rows.length === 0 ? (
        <p class="empty">{ggr.data ? 'No bets in these days.' : 'Loading…'}</p>
      ) : (
        <div class="table-scroll">
          <table class="ggr">
            <thead>
              <tr>
                <th>Sport</th>
                <th class="num">Bets</th>
                <th class="num">Turnover</th>
                <th class="num">Payouts</th>
                <th class="num">GGR</th>
              </tr>
            </thead>
            {days.map(([day, dayRows]) => (
              <tbody key={day}>
                <tr class="day-row">
                  <th colSpan={5} scope="rowgroup">
                    {day}
                  </th>
                </tr>
                {dayRows.map((r) => (
                  <tr key={`${r.sportId}#${r.currency}`} title={`open stake ${formatMoney(r.openStake, r.currency)}`}>
                    <td>{sportName(r.sportId)}</td>
                    <td class="num">{r.bets}</td>
                    <td class="num">{formatMoney(r.turnover, r.currency)}</td>
                    <td class="num">{formatMoney(r.payouts, r.currency)}</td>
                    <td class={`num strong ${r.ggr.startsWith('-') ? 'down' : 'up'}`}>{formatMoney(r.ggr, r.currency)}</td>
                  </tr>
                ))}
              </tbody>
            ))}
          </table>
        </div>
      )}
    </section>
  );
}

interface Exposure {
  readonly eventId: string;
  readonly currency: string;
  readonly openStake: string;
  readonly worst: string;
}

function exposureByEvent(rows: readonly LiabilityRow[]): Exposure[] {
  const byEvent = new Map<string, { eventId: string; currency: string; stake: bigint; worst: bigint }>();
  for (const r of rows) {
    const key = `${r.eventId}#${r.currency}`;
    const entry = byEvent.get(key) ?? { eventId: r.eventId, currency: r.currency, stake: 0n, worst: 0n };
    entry.stake += toUnits(r.openStake, 2) ?? 0n;
    const liability = signedUnits(r.liability);
    if (liability > entry.worst) entry.worst = liability;
    byEvent.set(key, entry);
  }
  return [...byEvent.values()]
    .sort((a, b) => (b.worst > a.worst ? 1 : b.worst < a.worst ? -1 : 0))
    .map((e) => ({ eventId: e.eventId, currency: e.currency, openStake: fromUnits(e.stake, 2), worst: fromUnits(e.worst, 2) }));
}

function signedUnits(amount: string): bigint {
  return amount.startsWith('-') ? -(toUnits(amount.slice(1), 2) ?? 0n) : (toUnits(amount, 2) ?? 0n);
}
