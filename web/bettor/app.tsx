/**
 * The bettor page: the top bar (connection, player, balance), the sports, the odds board or one
 * event, and the side panel with the bet slip and "my bets". On a phone the side panel is a sheet
 * opened from the bar at the bottom.
 */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api } from '../shared/api.ts';
import { ChannelStores, useChannel } from '../shared/channel-store.ts';
import { ConnectionBadge } from '../shared/connection-badge.tsx';
import { useFixtures, type FixtureIndex } from '../shared/fixtures.ts';
import { formatMoney } from '../shared/format.ts';
import { PushClient, type ConnectionState } from '../shared/push-client.ts';
import { useHashRoute } from '../shared/route.ts';
import { usePolling } from '../shared/use-polling.ts';
import { Board } from './board.tsx';
import { BetSlip } from './bet-slip.tsx';
import { BettorContext, useLiveList, type Bettor } from './context.ts';
import { EventView } from './event-view.tsx';
import { mergeBets, playerUpdatesReducer, type Bet } from './my-bets.ts';
import { MyBets } from './my-bets-panel.tsx';
import type { Balance } from './place-bet.ts';
import { toggleSelection, type Selection } from './selections.ts';
import { DEMO_PLAYERS, useSession, type Session, type SessionControl } from './session.ts';

/** Sports in the order a European book lists them; others follow by name. */
const SPORT_ORDER = ['sr:sport:1', 'sr:sport:2', 'sr:sport:5'];

export function BettorApp() {
  const control = useSession();
  if (!control.session && !control.needsToken && !control.error) return <p class="empty">Signing in…</p>;
  // A new token is a new connection: everything the page holds belongs to one player.
  return <BettorPage key={control.session?.token ?? 'signed-out'} control={control} />;
}

function BettorPage({ control }: { control: SessionControl }) {
  const session = control.session;
  const token = session?.token;
  const [connection, setConnection] = useState<ConnectionState>('connecting');
  const client = useMemo(() => new PushClient({ ...(token === undefined ? {} : { token }), onState: setConnection }), [token]);
  useEffect(() => () => client.close(), [client]);
  const stores = useMemo(() => new ChannelStores(client), [client]);
  const fixtures = useFixtures(10_000);
  const player = usePlayer(stores, session);
  const [selections, setSelections] = useState<readonly Selection[]>([]);
  const route = useHashRoute();
  const [panel, setPanel] = useState<'slip' | 'bets'>('slip');
  const [sheetOpen, setSheetOpen] = useState(false);
  const currency = player.balance?.currency ?? 'EUR';

  const bettor: Bettor = useMemo(
    () => ({
      stores,
      fixtures,
      connection,
      selections,
      toggle: (selection) => setSelections((current) => toggleSelection(current, selection)),
      money: (amount) => formatMoney(amount, currency),
    }),
    [stores, fixtures, connection, selections, currency],
  );

  const sports = sportsOf(fixtures);
  const sportId = route.kind === 'sport' ? route.id : route.kind === 'event' ? fixtures.get(route.id)?.sport.id : sports[0]?.id;

  return (
    <BettorContext.Provider value={bettor}>
      <div class="page bettor" data-connection={connection}>
        <TopBar control={control} connection={connection} balance={player.balance} />
        <nav class="sports" aria-label="Sports">
          {sports.map((sport) => (
            <SportTab key={sport.id} sport={sport} active={sport.id === sportId && route.kind !== 'event'} />
          ))}
        </nav>
        <main class="content">{route.kind === 'event' ? <EventView eventId={route.id} /> : <Board sportId={sportId} />}</main>
        <aside class={`side${sheetOpen ? ' open' : ''}`} aria-label="Bet slip and my bets">
          <div class="side-tabs" role="tablist">
            <button type="button" role="tab" aria-selected={panel === 'slip'} onClick={() => setPanel('slip')}>
              Bet slip{selections.length > 0 ? ` (${selections.length})` : ''}
            </button>
            <button type="button" role="tab" aria-selected={panel === 'bets'} onClick={() => setPanel('bets')}>
              My bets{player.openBets > 0 ? ` (${player.openBets})` : ''}
            </button>
            <button type="button" class="sheet-close" aria-label="Close" onClick={() => setSheetOpen(false)}>
              ×
            </button>
          </div>
          {!session ? (
            <p class="empty">Sign in to bet.</p>
          ) : panel === 'slip' ? (
            <BetSlip session={session} onPlaced={player.refresh} />
          ) : (
            <MyBets bets={player.bets} loading={player.loading} />
          )}
        </aside>
        <button type="button" class="sheet-toggle" onClick={() => setSheetOpen(!sheetOpen)}>
          Bet slip <span class="count">{selections.length}</span>
        </button>
      </div>
    </BettorContext.Provider>
  );
}

interface Player {
  readonly balance: Balance | undefined;
  readonly bets: readonly Bet[];
  readonly openBets: number;
  readonly loading: boolean;
  /** Reads balance and bets again (after placing). */
  refresh(): void;
}

/**
 * The player's balance and bets. Both are read when the player changes; then every message of
 * the private channel (accepted, settled, cancelled…) updates the bets at once and has the
 * balance read again, since bet messages do not carry it.
 */
function usePlayer(stores: ChannelStores, session: Session | undefined): Player {
  const updates = useChannel(session ? stores.get(`player:${session.player}`, playerUpdatesReducer) : undefined);
  const wallet = usePolling(
    async (signal) => (session ? api<Balance>('/v1/wallet', { token: session.token, signal }) : undefined),
    15_000,
    [session?.token, updates?.state],
  );
  const fetched = usePolling(
    async (signal) => (session ? (await api<{ bets: Bet[] }>('/v1/bets?limit=50', { token: session.token, signal })).bets : undefined),
    30_000,
    [session?.token],
  );
  const bets = useMemo(() => mergeBets(fetched.data ?? [], updates?.state ?? []), [fetched.data, updates?.state]);
  return {
    balance: wallet.data,
    bets,
    openBets: bets.filter((b) => b.status === 'open').length,
    loading: fetched.data === undefined,
    refresh: () => {
      wallet.refresh();
      fetched.refresh();
    },
  };
}

function TopBar({ control, connection, balance }: { control: SessionControl; connection: ConnectionState; balance: Balance | undefined }) {
  const [pasted, setPasted] = useState('');
  return (
    <header class="topbar">
      <a class="brand" href="#/">
        <span class="brand-mark">SB</span> Sportsbook
      </a>
      <ConnectionBadge state={connection} />
      <div class="account">
        {control.needsToken && !control.session ? (
          <form
            class="sign-in"
            onSubmit={(e) => {
              e.preventDefault();
              control.signIn(pasted.trim());
            }}
          >
            <input placeholder="Player token" value={pasted} onInput={(e) => setPasted(e.currentTarget.value)} />
            <button type="submit">Sign in</button>
          </form>
        ) : control.needsToken ? (
          <span class="player">{control.session?.player}</span>
        ) : (
          <label class="player-select">
            <span class="sr-only">Player</span>
            <select value={control.session?.player} onChange={(e) => control.choosePlayer(e.currentTarget.value)}>
              {DEMO_PLAYERS.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
        )}
        {balance ? (
          <span class="balance" data-available={balance.available}>
            <span class="muted">Balance</span> <b>{formatMoney(balance.available, balance.currency)}</b>
            {balance.held !== '0.00' ? <span class="muted held"> · {formatMoney(balance.held, balance.currency)} in play</span> : null}
          </span>
        ) : null}
        {control.error ? <span class="notice error">{control.error}</span> : null}
      </div>
    </header>
  );
}

function SportTab({ sport, active }: { sport: { id: string; name: string }; active: boolean }) {
  const live = useLiveList(sport.id);
  const count = live?.state.size ?? 0;
  return (
    <a class={`sport-tab${active ? ' active' : ''}`} href={`#/sport/${encodeURIComponent(sport.id)}`} aria-current={active ? 'page' : undefined}>
      {sport.name}
      {count > 0 ? <span class="live-count">{count}</span> : null}
    </a>
  );
}

function sportsOf(fixtures: FixtureIndex): { id: string; name: string }[] {
  const sports = new Map<string, string>();
  for (const f of fixtures.values()) if (f.status === 'live' || f.status === 'not_started' || f.status === 'suspended') sports.set(f.sport.id, f.sport.name);
  const rank = (id: string) => (SPORT_ORDER.includes(id) ? SPORT_ORDER.indexOf(id) : SPORT_ORDER.length);
  return [...sports].map(([id, name]) => ({ id, name })).sort((a, b) => rank(a.id) - rank(b.id) || a.name.localeCompare(b.name));
}
