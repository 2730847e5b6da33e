/**
 * The bet slip: the picked selections with their live prices, as singles (a stake each) or one
 * accumulator; the potential payout computed exactly as the acceptor will; what to do if the
 * odds move (odds-change mode). Placing shows the in-play delay while it runs, then each bet's
 * answer: accepted with the odds taken, or why not, in plain words.
 */
import { useEffect, useState } from 'preact/hooks';
import { parseMarketKey } from '../../core/market-key.ts';
import { formatCombinedOdds, fromUnits, isStake, potentialPayout, toUnits } from '../shared/decimal.ts';
import { LockIcon } from '../shared/lock-icon.tsx';
import { rejectionText, suspensionText } from '../shared/names.ts';
import { Price } from '../shared/price.tsx';
import type { ChannelView } from '../shared/channel-store.ts';
import { useBettor } from './context.ts';
import { eventBookReducer, type EventBook } from './event-book.ts';
import { placeBet, type BetLegRequest, type OddsChangeMode, type PlaceResult } from './place-bet.ts';
import { accumulatorProblem, selectionKey, type Selection } from './selections.ts';
import type { Session } from './session.ts';

type Mode = 'singles' | 'accumulator';

interface LineState {
  readonly price: string | undefined;
  readonly state: 'open' | 'suspended' | 'gone';
  readonly reason?: string;
}

interface Receipt {
  readonly key: string;
  readonly title: string;
  readonly result: PlaceResult;
}

interface Pending {
  readonly since: number;
  readonly inPlay: boolean;
}

const ODDS_CHANGE_KEY = 'sb.bettor.oddsChange';

export function BetSlip({ session, onPlaced }: { session: Session; onPlaced(): void }) {
  const { selections, toggle, connection, money, fixtures } = useBettor();
  const books = useEventBooks(selections.map((s) => s.eventId));
  const [mode, setMode] = useState<Mode>('singles');
  const [stakes, setStakes] = useState<Readonly<Record<string, string>>>({});
  const [accumulatorStake, setAccumulatorStake] = useState('');
  const [oddsChange, setOddsChange] = useState<OddsChangeMode>(() => (localStorage.getItem(ODDS_CHANGE_KEY) as OddsChangeMode | null) ?? 'none');
  const [pending, setPending] = useState<Pending | undefined>(undefined);
  const [receipts, setReceipts] = useState<readonly Receipt[]>([]);

  const lines = selections.map((s) => ({ selection: s, key: selectionKey(s), ...lineState(books.get(s.eventId), s) }));
  const accumulatorIssue = accumulatorProblem(selections);
  const effectiveMode: Mode = mode === 'accumulator' && selections.length >= 2 ? 'accumulator' : 'singles';
  const prices = lines.map((l) => l.price);
  const allPriced = prices.every((p): p is string => p !== undefined);

  const singles = lines.map((l) => ({ ...l, stake: stakes[l.key] ?? '' }));
  const singlesToPlace = singles.filter((l) => isStake(l.stake));
  const totalStake = effectiveMode === 'accumulator' ? (isStake(accumulatorStake) ? accumulatorStake : undefined) : sumMoney(singlesToPlace.map((l) => l.stake));
  const totalPayout =
    effectiveMode === 'accumulator'
      ? (allPriced && isStake(accumulatorStake) ? potentialPayout(accumulatorStake, prices as string[]) : undefined)
      : sumMoney(singlesToPlace.map((l) => (l.price ? (potentialPayout(l.stake, [l.price]) ?? '0') : '0')));

  const blocker = ((): string | undefined => {
    if (selections.length === 0) return undefined;
    // Prices on screen may be old while the connection is down: no bet is placed on them.
    if (connection !== 'live') return 'Prices may be stale: betting resumes when the connection is back.';
    if (effectiveMode === 'accumulator') return accumulatorIssue ?? (isStake(accumulatorStake) ? undefined : 'Enter a stake.');
    return singlesToPlace.length === 0 ? 'Enter a stake.' : undefined;
  })();

  async function place(): Promise<void> {
    if (blocker || pending) return;
    const tickets =
      effectiveMode === 'accumulator'
        ? [{ key: 'accumulator', title: `${selections.length}-fold accumulator`, stake: accumulatorStake, picks: selections }]
        : singlesToPlace.map((l) => ({ key: l.key, title: `${l.selection.outcomeName} · ${l.selection.marketName}`, stake: l.stake, picks: [l.selection] }));
    const requests = tickets.map((t) => ({ ...t, legs: t.picks.map((s) => legRequest(books.get(s.eventId), s)) }));
    setReceipts([]);
    setPending({ since: Date.now(), inPlay: selections.some((s) => fixtures.get(s.eventId)?.status === 'live') });
    const results = await Promise.all(
      requests.map(async (r): Promise<Receipt> => {
        const legs = r.legs.filter((l): l is BetLegRequest => l !== undefined);
        const result: PlaceResult =
          legs.length < r.legs.length
            ? { status: 'rejected', code: 'MARKET_NOT_FOUND', message: 'a selection is no longer priced' }
            : await placeBet(session.token, { stake: r.stake.trim(), oddsChange, legs }).catch((e: unknown) => ({ status: 'rejected' as const, code: 'INTERNAL', message: String(e) }));
        return { key: r.key, title: r.title, result };
      }),
    );
    setPending(undefined);
    setReceipts(results);
    const accepted = results.filter((r) => r.result.status === 'accepted');
    if (accepted.length > 0) onPlaced();
    // Accepted selections leave the slip; rejected ones stay to be looked at and tried again.
    for (const r of accepted) {
      if (r.key === 'accumulator') selections.forEach(toggle);
      else {
        const picked = selections.find((s) => selectionKey(s) === r.key);
        if (picked) toggle(picked);
      }
    }
  }

  function chooseOddsChange(next: OddsChangeMode): void {
    localStorage.setItem(ODDS_CHANGE_KEY, next);
    setOddsChange(next);
  }

  return (
    <section class="slip" aria-label="Bet slip">
      <header class="slip-header">
        <div class="segmented" role="tablist" aria-label="Bet type">
          <button type="button" role="tab" aria-selected={effectiveMode === 'singles'} onClick={() => setMode('singles')}>
            Singles
          </button>
          <button type="button" role="tab" aria-selected={effectiveMode === 'accumulator'} disabled={selections.length < 2} onClick={() => setMode('accumulator')}>
            Accumulator
          </button>
        </div>
      </header>

      {selections.length === 0 && receipts.length === 0 ? <p class="empty">Pick a price to add it here.</p> : null}

      <ul class="slip-lines">
        {singles.map((l) => (
          <li key={l.key} class={`slip-line${l.state !== 'open' ? ' unavailable' : ''}`} data-selection={l.key}>
            <div class="slip-line-main">
              <div class="slip-pick">
                <strong>{l.selection.outcomeName}</strong>
                <span>{l.selection.marketName}</span>
                <span class="muted">{l.selection.eventName}</span>
              </div>
              <div class="slip-odds">
                {l.state === 'open' ? <Price price={l.price} /> : <LockIcon title={l.reason ?? 'Not available'} />}
              </div>
              <button type="button" class="remove" aria-label={`Remove ${l.selection.outcomeName}`} onClick={() => toggle(l.selection)} disabled={pending !== undefined}>
                ×
              </button>
            </div>
            {l.state !== 'open' ? <p class="slip-warning">{l.reason ?? 'No longer offered'}</p> : null}
            {effectiveMode === 'singles' ? (
              <label class="stake-row">
                <span>Stake</span>
                <input
                  inputMode="decimal"
                  name="stake"
                  placeholder="0.00"
                  value={l.stake}
                  disabled={pending !== undefined}
                  onInput={(e) => setStakes({ ...stakes, [l.key]: e.currentTarget.value })}
                />
                <span class="returns">{l.price && isStake(l.stake) ? `Returns ${money(potentialPayout(l.stake, [l.price]) ?? '0')}` : ''}</span>
              </label>
            ) : null}
          </li>
        ))}
      </ul>

      {effectiveMode === 'accumulator' ? (
        <div class="accumulator">
          <div class="acc-odds">
            <span>Combined odds</span>
            <strong>{allPriced ? formatCombinedOdds(prices as string[]) : '–'}</strong>
          </div>
          <label class="stake-row">
            <span>Stake</span>
            <input inputMode="decimal" name="stake" placeholder="0.00" value={accumulatorStake} disabled={pending !== undefined} onInput={(e) => setAccumulatorStake(e.currentTarget.value)} />
          </label>
        </div>
      ) : null}

      {selections.length > 0 ? (
        <div class="slip-footer">
          <label class="odds-change">
            <span>If the odds change</span>
            <select value={oddsChange} onChange={(e) => chooseOddsChange(e.currentTarget.value as OddsChangeMode)}>
              <option value="none">Ask me (this price only)</option>
              <option value="higher">Accept higher odds</option>
              <option value="any">Accept any odds</option>
            </select>
          </label>
          <dl class="totals">
            <dt>Total stake</dt>
            <dd>{totalStake ? money(totalStake) : '–'}</dd>
            <dt>Potential payout</dt>
            <dd class="payout">{totalPayout ? money(totalPayout) : '–'}</dd>
          </dl>
          {blocker ? <p class="slip-hint">{blocker}</p> : null}
          <button type="button" class="place" disabled={blocker !== undefined || pending !== undefined} onClick={() => void place()}>
            {pending ? 'Placing…' : 'Place bet'}
          </button>
        </div>
      ) : null}

      {pending ? <PendingNotice pending={pending} /> : null}

      {receipts.length > 0 ? (
        <ul class="receipts">
          {receipts.map((r) => (
            <li key={r.key} class={`receipt ${r.result.status}`} data-status={r.result.status}>
              <strong>{r.result.status === 'accepted' ? 'Bet accepted' : 'Bet not placed'}</strong>
              <span class="muted">{r.title}</span>
              {r.result.status === 'accepted' ? (
                <span>
                  Odds taken <b class="odds-taken">{r.result.bet.odds}</b> · stake {money(r.result.bet.stake)} · potential payout {money(r.result.bet.potentialPayout)}
                  {r.result.delayMs > 0 ? ` · after a ${(r.result.delayMs / 1000).toFixed(1)} s in-play delay` : ''}
                </span>
              ) : (
                <span class="reason" data-code={r.result.code}>
                  {rejectionText(r.result.code, r.result.message, r.result.details, money)}
                </span>
              )}
            </li>
          ))}
        </ul>
      ) : null}
    </section>
  );
}

function PendingNotice({ pending }: { pending: Pending }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 250);
    return () => clearInterval(timer);
  }, []);
  const seconds = Math.max(0, (now - pending.since) / 1000);
  return (
    <div class="slip-pending" role="status">
      <span class="spinner" aria-hidden="true" />
      <div>
        <strong>{pending.inPlay ? 'In-play delay' : 'Placing your bet'}</strong>
        <span>
          {pending.inPlay ? 'Live bets are confirmed after a short delay' : 'Checking prices and limits'} · {seconds.toFixed(1)} s
        </span>
      </div>
    </div>
  );
}

/** The state of every event a selection is on; re-renders when any of them changes. */
function useEventBooks(eventIds: readonly string[]): ReadonlyMap<string, ChannelView<EventBook>> {
  const { stores } = useBettor();
  const [, setVersion] = useState(0);
  const ids = [...new Set(eventIds)];
  const key = ids.join(',');
  useEffect(() => {
    const stops = ids.map((id) => stores.get(`event:${id}`, eventBookReducer).listen(() => setVersion((v) => v + 1)));
    return () => stops.forEach((stop) => stop());
  }, [key, stores]);
  return new Map(ids.map((id) => [id, stores.get(`event:${id}`, eventBookReducer).view]));
}

function lineState(book: ChannelView<EventBook> | undefined, s: Selection): LineState {
  const market = book?.state.markets.get(s.marketKey);
  const outcome = market?.outcomes.find((o) => o.outcomeId === s.outcomeId);
  if (!book?.position) return { price: undefined, state: 'open' };
  if (!market || !outcome || market.state === 'closed' || market.state === 'settled' || market.state === 'cancelled') return { price: undefined, state: 'gone', reason: 'No longer offered' };
  if (market.state !== 'open' || !outcome.active || outcome.price === undefined) return { price: outcome.price, state: 'suspended', reason: suspensionText(market.reasons) };
  return { price: outcome.price, state: 'open' };
}

/** The leg of a bet at the price on screen and the channel position it was seen at. */
function legRequest(book: ChannelView<EventBook> | undefined, s: Selection): BetLegRequest | undefined {
  const outcome = book?.state.markets.get(s.marketKey)?.outcomes.find((o) => o.outcomeId === s.outcomeId);
  if (!book?.position || outcome?.price === undefined) return undefined;
  const slash = s.marketKey.indexOf('/');
  return {
    eventId: s.eventId,
    marketId: parseMarketKey(s.marketKey).marketId,
    ...(slash < 0 ? {} : { specifiers: s.marketKey.slice(slash + 1) }),
    outcomeId: s.outcomeId,
    price: outcome.price,
    priceVersion: book.position,
  };
}

function sumMoney(amounts: readonly string[]): string | undefined {
  if (amounts.length === 0) return undefined;
  return fromUnits(amounts.reduce((sum, a) => sum + (toUnits(a, 2) ?? 0n), 0n), 2);
}
