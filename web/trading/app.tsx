/**
 * The trading console: the events the engine prices (left), the event in view with its markets,
 * actions and price chart (middle), and the desk's tools (right): margins with a preview, risk
 * (liability, exposure, GGR) and the audit log. Everything is read from the trading API and read
 * again every second or so; an action reads at once.
 */
import { useMemo, useState } from 'preact/hooks';
import { useFixtures } from '../shared/fixtures.ts';
import { formatClock } from '../shared/format.ts';
import { useHashRoute } from '../shared/route.ts';
import { usePolling } from '../shared/use-polling.ts';
import { AuditPanel } from './audit-panel.tsx';
import { createDesk, DeskContext } from './context.ts';
import { EventDetail } from './event-detail.tsx';
import { EventsList } from './events-list.tsx';
import { MarginEditor } from './margin-editor.tsx';
import { PriceChart } from './price-chart.tsx';
import { RiskPanel } from './risk-panel.tsx';
import { useTraderSession, type TraderSession } from './session.ts';
import type { TradingEvent } from './types.ts';

type Tool = 'margins' | 'risk' | 'audit';

export function TradingApp() {
  const { session, needsToken, error, signIn } = useTraderSession();
  const [pasted, setPasted] = useState('');
  return (
    <div class="page trading">
      <header class="topbar">
        <a class="brand" href="#/">
          <span class="brand-mark">SB</span> Trading
        </a>
        <div class="account">
          {session ? <span class="player">{session.name}</span> : null}
          {needsToken && !session ? (
            <form
              class="sign-in"
              onSubmit={(e) => {
                e.preventDefault();
                signIn(pasted.trim());
              }}
            >
              <input placeholder="Trader token" value={pasted} onInput={(e) => setPasted(e.currentTarget.value)} />
              <button type="submit">Sign in</button>
            </form>
          ) : null}
          {error ? <span class="notice error">{error}</span> : null}
        </div>
      </header>
      {session ? <Console session={session} /> : <p class="empty">{needsToken ? 'Sign in with a trader token.' : 'Signing in…'}</p>}
    </div>
  );
}

function Console({ session }: { session: TraderSession }) {
  const fixtures = useFixtures(5000);
  const desk = useMemo(() => createDesk(session.token, fixtures), [session.token, fixtures]);
  const route = useHashRoute();
  const [tool, setTool] = useState<Tool>('margins');
  const [chart, setChart] = useState<{ eventId: string; marketKey: string } | undefined>(undefined);
  const events = usePolling(async (signal) => ({ at: Date.now(), events: (await desk.call<{ events: TradingEvent[] }>('/v1/trading/events?limit=200', { signal })).events }), 1000, [desk.token]);
  const list = events.data?.events;
  const eventId = route.kind === 'event' ? route.id : (list?.find((e) => e.phase === 'live') ?? list?.[0])?.eventId;
  const event = list?.find((e) => e.eventId === eventId);
  const chartMarket = chart?.eventId === eventId ? chart?.marketKey : undefined;

  return (
    <DeskContext.Provider value={desk}>
      <div class="console">
        <aside class="events-col" aria-label="Events">
          <p class={`freshness${events.error ? ' error' : ''}`} role="status">
            {events.error ? `Not updating: ${events.error.message}` : events.data ? `Updated ${formatClock(events.data.at)}` : 'Loading…'}
          </p>
          <EventsList events={list} selected={eventId} />
        </aside>
        <main class="main-col">
          {eventId && chartMarket ? <PriceChart eventId={eventId} marketKey={chartMarket} onClose={() => setChart(undefined)} /> : null}
          {eventId ? (
            <EventDetail event={event} eventId={eventId} chartMarket={chartMarket} onChart={(marketKey) => setChart({ eventId, marketKey })} onChanged={events.refresh} />
          ) : (
            <p class="empty">No events are priced yet.</p>
          )}
        </main>
        <aside class="tools-col" aria-label="Desk tools">
          <div class="tabs" role="tablist">
            {(['margins', 'risk', 'audit'] as const).map((t) => (
              <button key={t} type="button" role="tab" aria-selected={tool === t} onClick={() => setTool(t)}>
                {t === 'margins' ? 'Margins' : t === 'risk' ? 'Risk & GGR' : 'Audit log'}
              </button>
            ))}
          </div>
          {tool === 'margins' ? <MarginEditor event={event} onApplied={events.refresh} /> : tool === 'risk' ? <RiskPanel eventId={eventId} /> : <AuditPanel eventId={undefined} />}
        </aside>
      </div>
    </DeskContext.Provider>
  );
}
