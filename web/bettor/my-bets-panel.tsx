/** The player's bets, newest first, with what each paid once settled. */
import { toUnits } from '../shared/decimal.ts';
import { formatClock } from '../shared/format.ts';
import { marketNames, matchName } from '../shared/names.ts';
import { useBettor } from './context.ts';
import type { Bet, BetLeg } from './my-bets.ts';

export function MyBets({ bets, loading }: { bets: readonly Bet[]; loading: boolean }) {
  const { money } = useBettor();
  if (loading && bets.length === 0) return <p class="empty">Loading your bets…</p>;
  if (bets.length === 0) return <p class="empty">No bets yet.</p>;
  return (
    <ul class="my-bets">
      {bets.map((bet) => {
        const outcome = betOutcome(bet);
        return (
          <li key={bet.betId} class={`my-bet ${outcome.kind}`} data-bet-id={bet.betId} data-status={bet.status}>
            <div class="my-bet-head">
              <span class={`chip ${outcome.kind}`}>{outcome.label}</span>
              <span class="muted">
                {bet.legs.length > 1 ? `${bet.legs.length}-fold` : 'Single'} · {formatClock(bet.placedAt)}
              </span>
            </div>
            <ul class="legs">
              {bet.legs.map((leg) => (
                <LegLine key={`${leg.eventId}#${leg.marketKey}#${leg.outcomeId}`} leg={leg} />
              ))}
            </ul>
            <div class="my-bet-figures">
              <span>
                Stake <b>{money(bet.stake)}</b> @ <b>{bet.odds}</b>
              </span>
              {bet.status === 'settled' ? (
                <span class="payout">
                  Paid <b>{money(bet.payout ?? '0')}</b>
                </span>
              ) : bet.status === 'cancelled' ? (
                <span>Stake returned</span>
              ) : (
                <span>
                  Returns <b>{money(bet.potentialPayout)}</b>
                </span>
              )}
            </div>
          </li>
        );
      })}
    </ul>
  );
}

function LegLine({ leg }: { leg: BetLeg }) {
  const { fixtures } = useBettor();
  const fixture = fixtures.get(leg.eventId);
  const names = marketNames(leg.marketKey, fixture?.competitors);
  const result = leg.result ? (leg.result.voidFactor === '1' ? 'void' : leg.result.won ? 'won' : 'lost') : undefined;
  return (
    <li class={result ? `leg ${result}` : 'leg'}>
      <span>
        <strong>{names.outcome(leg.outcomeId)}</strong> · {names.name} <b>{leg.odds}</b>
      </span>
      <span class="muted">{fixture ? matchName(fixture.competitors) : leg.eventId}</span>
    </li>
  );
}

function betOutcome(bet: Bet): { kind: string; label: string } {
  if (bet.status === 'cancelled') return { kind: 'void', label: 'Void' };
  if (bet.status === 'open') return { kind: 'open', label: 'Open' };
  return (toUnits(bet.payout ?? '0', 2) ?? 0n) > 0n ? { kind: 'won', label: 'Won' } : { kind: 'lost', label: 'Lost' };
}
