/**
 * The operator's margin configuration: a hierarchy default → sport → tournament → event → market
 * type, where the most specific level that sets a value wins. Margin and method resolve
 * independently, so a tournament can change the method while the sport keeps the margin.
 *
 * A market-type setting (keyed by the provider's market id) applies to that market type in every
 * event and is the most specific level of all: "every total-goals market at 7 %" outranks an
 * event's margin.
 *
 * Pure: changes return what they replaced, for the audit log; the engine re-prices what they touch.
 */
import { AppError } from '../core/errors.ts';
import { isEventId } from '../core/ids.ts';
import { isMarginMethod, type MarginMethod } from './pricing/index.ts';

export const MARGIN_LEVELS = ['default', 'sport', 'tournament', 'event', 'market-type'] as const;
export type MarginLevel = (typeof MARGIN_LEVELS)[number];
export type OverrideLevel = Exclude<MarginLevel, 'default'>;
/** From the least to the most specific. */
const OVERRIDE_ORDER: readonly OverrideLevel[] = MARGIN_LEVELS.filter((level): level is OverrideLevel => level !== 'default');

/** Margins the trading desk may set: 0 (a fair book) to 0.5 (a 150 % book). */
export const MARGIN_BOUNDS = { min: 0, max: 0.5 } as const;

export interface MarginSetting {
  /** 0.05 = a 105 % book. */
  readonly margin?: number;
  readonly method?: MarginMethod;
}

/** Where a setting lives: the default has no key; the others are keyed by sport, tournament or event URN, or market id. */
export type MarginScope = { readonly level: 'default' } | { readonly level: OverrideLevel; readonly key: string };

/** What a market's margin depends on. */
export interface MarketContext {
  readonly eventId: string;
  readonly marketId: number;
  readonly sportId?: string;
  readonly tournamentId?: string;
}

export interface ResolvedMargin {
  readonly margin: number;
  readonly method: MarginMethod;
  /** The levels the margin and the method came from. */
  readonly marginLevel: MarginLevel;
  readonly methodLevel: MarginLevel;
}

export interface MarginEntry {
  readonly scope: MarginScope;
  readonly setting: MarginSetting;
}

export interface MarginChange {
  readonly scope: MarginScope;
  /** The setting at that scope before and after; undefined when there was none / is none now. */
  readonly before: MarginSetting | undefined;
  readonly after: MarginSetting | undefined;
}

const URN_KEY = /^[a-z][a-z0-9]*:[a-z_]+:\d{1,19}$/;
const MARKET_ID_KEY = /^[1-9]\d{0,8}$/;

export class MarginConfig {
  #default: Required<MarginSetting>;
  /** What resolve() gives a market no override covers: one shared object, replaced with the default. */
  #defaultResolved: ResolvedMargin;
  readonly #overrides: Record<OverrideLevel, Map<string, MarginSetting>>;

  constructor(defaults: Required<MarginSetting>, overrides: readonly MarginEntry[] = []) {
    assertSetting(defaults, true);
    this.#default = { margin: defaults.margin, method: defaults.method };
    this.#defaultResolved = resolvedDefault(this.#default);
    this.#overrides = { sport: new Map(), tournament: new Map(), event: new Map(), 'market-type': new Map() };
    for (const entry of overrides) this.set(entry.scope, entry.setting);
  }

  /**
   * The margin and method a market gets: each from the most specific level that sets it. Runs
   * for every market of every odds_change, so the usual case (no override covers the market)
   * allocates nothing.
   */
  resolve(ctx: MarketContext): ResolvedMargin {
    const sport = this.#find('sport', ctx.sportId);
    const tournament = this.#find('tournament', ctx.tournamentId);
    const event = this.#find('event', ctx.eventId);
    const marketType = this.#overrides['market-type'].size === 0 ? undefined : this.#find('market-type', String(ctx.marketId));
    if (!sport && !tournament && !event && !marketType) return this.#defaultResolved;
    let margin = this.#default.margin;
    let method = this.#default.method;
    let marginLevel: MarginLevel = 'default';
    let methodLevel: MarginLevel = 'default';
    const found = [sport, tournament, event, marketType];
    for (let i = 0; i < found.length; i++) {
      const s = found[i];
      if (s?.margin !== undefined) {
        margin = s.margin;
        marginLevel = OVERRIDE_ORDER[i]!;
      }
      if (s?.method !== undefined) {
        method = s.method;
        methodLevel = OVERRIDE_ORDER[i]!;
      }
    }
    return { margin, method, marginLevel, methodLevel };
  }

  #find(level: OverrideLevel, key: string | undefined): MarginSetting | undefined {
    const settings = this.#overrides[level];
    return key === undefined || settings.size === 0 ? undefined : settings.get(key);
  }

  get(scope: MarginScope): MarginSetting | undefined {
    return scope.level === 'default' ? { ...this.#default } : this.#overrides[scope.level].get(scope.key);
  }

  /**
   * Replaces the setting at `scope`. The default must set both margin and method; an override
   * sets at least one. Throws INVALID_REQUEST on a bad key or value.
   */
  set(scope: MarginScope, setting: MarginSetting): MarginChange {
    const before = this.get(scope);
    if (scope.level === 'default') {
      assertSetting(setting, true);
      this.#default = { margin: setting.margin!, method: setting.method! };
      this.#defaultResolved = resolvedDefault(this.#default);
    } else {
      assertKey(scope);
      assertSetting(setting, false);
      this.#overrides[scope.level].set(scope.key, compact(setting));
    }
    return { scope, before, after: this.get(scope) };
  }

  /** Removes an override so the level above applies again. The default cannot be removed. */
  remove(scope: MarginScope): MarginChange {
    if (scope.level === 'default') throw new AppError('INVALID_REQUEST', 'the default margin cannot be removed, only changed');
    assertKey(scope);
    const before = this.#overrides[scope.level].get(scope.key);
    this.#overrides[scope.level].delete(scope.key);
    return { scope, before, after: undefined };
  }

  /** The default first, then every override by level and key. */
  entries(): MarginEntry[] {
    const out: MarginEntry[] = [{ scope: { level: 'default' }, setting: { ...this.#default } }];
    for (const level of MARGIN_LEVELS) {
      if (level === 'default') continue;
      const keys = [...this.#overrides[level].keys()].sort();
      for (const key of keys) out.push({ scope: { level, key }, setting: this.#overrides[level].get(key)! });
    }
    return out;
  }

  /** An independent copy (what-if previews change a copy). */
  clone(): MarginConfig {
    return new MarginConfig(this.#default, this.entries().slice(1));
  }
}

/** Whether a setting at `scope` can change the margin of a market in `ctx`. */
export function scopeCovers(scope: MarginScope, ctx: MarketContext): boolean {
  switch (scope.level) {
    case 'default':
      return true;
    case 'sport':
      return ctx.sportId === scope.key;
    case 'tournament':
      return ctx.tournamentId === scope.key;
    case 'event':
      return ctx.eventId === scope.key;
    case 'market-type':
      return String(ctx.marketId) === scope.key;
  }
}

/** Whether a setting at `scope` can change any market of an event (all market types considered). */
export function scopeCoversEvent(scope: MarginScope, ctx: Omit<MarketContext, 'marketId'>): boolean {
  return scope.level === 'market-type' || scopeCovers(scope, { ...ctx, marketId: 0 });
}

function assertKey(scope: Exclude<MarginScope, { level: 'default' }>): void {
  const ok = scope.level === 'market-type' ? MARKET_ID_KEY.test(scope.key) : scope.level === 'event' ? isEventId(scope.key) : URN_KEY.test(scope.key);
  if (!ok) {
    const expected = scope.level === 'market-type' ? 'a market id' : `a ${scope.level} URN`;
    throw new AppError('INVALID_REQUEST', `${JSON.stringify(scope.key)} is not ${expected}`, { details: { level: scope.level, key: scope.key } });
  }
}

function assertSetting(setting: MarginSetting, complete: boolean): void {
  const { margin, method } = setting;
  if (complete && (margin === undefined || method === undefined)) {
    throw new AppError('INVALID_REQUEST', 'the default sets both margin and method');
  }
  if (margin === undefined && method === undefined) throw new AppError('INVALID_REQUEST', 'a margin setting needs a margin, a method or both');
  if (margin !== undefined && !(typeof margin === 'number' && margin >= MARGIN_BOUNDS.min && margin <= MARGIN_BOUNDS.max)) {
    throw new AppError('INVALID_REQUEST', `margin must be a number from ${MARGIN_BOUNDS.min} to ${MARGIN_BOUNDS.max}, got ${String(margin)}`);
  }
  if (method !== undefined && !isMarginMethod(method)) throw new AppError('INVALID_REQUEST', `unknown margin method ${JSON.stringify(method)}`);
}

function resolvedDefault(setting: Required<MarginSetting>): ResolvedMargin {
  return Object.freeze({ margin: setting.margin, method: setting.method, marginLevel: 'default', methodLevel: 'default' });
}

function compact(setting: MarginSetting): MarginSetting {
  return {
    ...(setting.margin !== undefined ? { margin: setting.margin } : {}),
    ...(setting.method !== undefined ? { method: setting.method } : {}),
  };
}
