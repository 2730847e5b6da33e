/**
 * Stake and exposure limits: configurable tables with defaults.
 *
 * - Per market: minimum and maximum stake and the liability limit of each outcome, from the most
 *   specific rule that sets the value (sport + market type, then market type, then sport, then
 *   the defaults). An accumulator takes the strictest of its legs: the highest minimum, the
 *   lowest maximum.
 * - Per customer: a stake factor ("0.5" halves the maximum stake, "0" stops the customer
 *   betting); default 1.
 * - Per bet: a maximum payout.
 *
 * Amounts are decimal strings in the acceptor's currency, turned into minor units once, here.
 */
import { AppError, isAppError } from '../core/errors.ts';
import { Big, bigToMinor, minorToBig, toMinor, type Currency, type Minor } from '../core/money.ts';
import type { StakeLimits } from './validation.ts';

export interface LimitRule {
  /** `sr:sport:1`; absent: any sport. */
  readonly sportId?: string;
  /** Market type (UOF market id); absent: any market. */
  readonly marketId?: number;
  readonly minStake?: string;
  readonly maxStake?: string;
  /** Most the house may lose on one outcome of such a market over all open bets. */
  readonly liability?: string;
}

export interface LimitsOptions {
  /** Default "0.10". */
  readonly minStake?: string;
  /** Default "1000.00". */
  readonly maxStake?: string;
  /** Most one bet may pay out. Default "100000.00". */
  readonly maxPayout?: string;
  /** Liability limit per outcome. Default "20000.00". */
  readonly liability?: string;
  readonly rules?: readonly LimitRule[];
  /** Player id → stake factor (decimal string ≥ 0). Default 1 for everyone. */
  readonly stakeFactors?: Readonly<Record<string, string>>;
}

export const DEFAULT_LIMITS = { minStake: '0.10', maxStake: '1000.00', maxPayout: '100000.00', liability: '20000.00' } as const;

interface MarketLimits {
  readonly minStake: Minor;
  readonly maxStake: Minor;
  readonly liability: Minor;
}

interface ParsedRule {
  readonly sportId: string | undefined;
  readonly marketId: number | undefined;
  readonly values: Partial<MarketLimits>;
}

/** Market limits remembered per (sport, market type); the table is dropped whole past this size. */
const MARKET_CACHE = 10_000;

export class Limits {
  private readonly currency: Currency;
  private readonly defaults: MarketLimits;
  private readonly maxPayout: Minor;
  private readonly rules: readonly ParsedRule[];
  private readonly factors: ReadonlyMap<string, Big>;
  /** forMarket's answers: the rules never change, and every bet asks for each of its legs. */
  private readonly resolved = new Map<string | undefined, Map<number, MarketLimits>>();
  private resolvedCount = 0;

  /** Throws CONFIG_INVALID naming the first bad value. */
  constructor(currency: Currency, options: LimitsOptions = {}) {
    this.currency = currency;
    const amount = (name: string, value: string) => parseAmount(name, value, currency);
    this.defaults = {
      minStake: amount('minStake', options.minStake ?? DEFAULT_LIMITS.minStake),
      maxStake: amount('maxStake', options.maxStake ?? DEFAULT_LIMITS.maxStake),
      liability: amount('liability', options.liability ?? DEFAULT_LIMITS.liability),
    };
    this.maxPayout = amount('maxPayout', options.maxPayout ?? DEFAULT_LIMITS.maxPayout);
    this.rules = (options.rules ?? []).map((rule, i) => ({
      sportId: rule.sportId,
      marketId: rule.marketId,
      values: {
        ...(rule.minStake === undefined ? {} : { minStake: amount(`rules[${i}].minStake`, rule.minStake) }),
        ...(rule.maxStake === undefined ? {} : { maxStake: amount(`rules[${i}].maxStake`, rule.maxStake) }),
        ...(rule.liability === undefined ? {} : { liability: amount(`rules[${i}].liability`, rule.liability) }),
      },
    }));
    this.factors = new Map(
      Object.entries(options.stakeFactors ?? {}).map(([player, factor]) => {
        if (!/^\d{1,6}(\.\d{1,6})?$/.test(factor)) throw new AppError('CONFIG_INVALID', `stake factor of ${player} must be a decimal ≥ 0, got ${JSON.stringify(factor)}`);
        return [player, new Big(factor)];
      }),
    );
  }

  /** The limits of one market type in one sport. */
  forMarket(sportId: string | undefined, marketId: number): MarketLimits {
    let bySport = this.resolved.get(sportId);
    const known = bySport?.get(marketId);
    if (known !== undefined) return known;
    const limits: MarketLimits = Object.freeze({
      minStake: this.pick('minStake', sportId, marketId),
      maxStake: this.pick('maxStake', sportId, marketId),
      liability: this.pick('liability', sportId, marketId),
    });
    if (this.resolvedCount >= MARKET_CACHE) {
      this.resolved.clear();
      this.resolvedCount = 0;
      bySport = undefined;
    }
    if (bySport === undefined) this.resolved.set(sportId, (bySport = new Map()));
    bySport.set(marketId, limits);
    this.resolvedCount += 1;
    return limits;
  }

  /** The stake limits of a bet: the strictest of its legs, the maximum scaled by the player's factor. */
  forBet(player: string, legs: readonly { readonly sportId: string | undefined; readonly marketId: number }[]): StakeLimits {
    let minStake = 0n;
    let maxStake = 0n;
    for (let i = 0; i < legs.length; i++) {
      const leg = this.forMarket(legs[i]!.sportId, legs[i]!.marketId);
      if (leg.minStake > minStake) minStake = leg.minStake;
      if (i === 0 || leg.maxStake < maxStake) maxStake = leg.maxStake;
    }
    const factor = this.factors.get(player);
    const scaled = factor === undefined ? maxStake : bigToMinor(minorToBig(maxStake, this.currency).times(factor), this.currency);
    return { minStake, maxStake: scaled, maxPayout: this.maxPayout };
  }

  /** One value from the most specific rule that sets it, or the default. */
  private pick<K extends keyof MarketLimits>(field: K, sportId: string | undefined, marketId: number): MarketLimits[K] {
    let best: { score: number; value: MarketLimits[K] } | undefined;
    for (const rule of this.rules) {
      const value = rule.values[field];
      if (value === undefined) continue;
      if (rule.sportId !== undefined && rule.sportId !== sportId) continue;
      if (rule.marketId !== undefined && rule.marketId !== marketId) continue;
      // Market type outranks sport; both outrank either. Later rules win ties.
      const score = (rule.marketId === undefined ? 0 : 2) + (rule.sportId === undefined ? 0 : 1);
      if (best === undefined || score >= best.score) best = { score, value: value as MarketLimits[K] };
    }
    return best?.value ?? this.defaults[field];
  }
}

function parseAmount(name: string, value: string, currency: Currency): Minor {
  try {
    return toMinor(value, currency);
  } catch (error) {
    throw new AppError('CONFIG_INVALID', `bet limit ${name}: ${isAppError(error) ? error.message : String(error)}`);
  }
}
