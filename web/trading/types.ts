/** The trading API's answers (odds-engine/http.ts, analytics/http.ts) as the console reads them. */

export interface Suspension {
  readonly reason: string;
  readonly detail?: string;
  readonly since: number;
}

export interface TradingOutcome {
  readonly outcomeId: string;
  readonly price?: string;
  readonly active: boolean;
  readonly fair?: number;
  readonly providerOdds?: number;
  readonly shiftTicks?: number;
}

export interface TradingMarket {
  readonly marketKey: string;
  readonly marketId: number;
  readonly state: string;
  readonly suspensions: readonly Suspension[];
  readonly outcomes: readonly TradingOutcome[];
  readonly producer: number;
  readonly margin: number;
  readonly overround?: number;
  readonly method: string;
  readonly marginLevel: string;
  readonly inBand: boolean;
  readonly fairSource: string;
}

export interface TradingEvent {
  readonly eventId: string;
  readonly sportId?: string;
  readonly tournamentId?: string;
  readonly phase: 'live' | 'upcoming' | 'ended';
  readonly suspensions: readonly Suspension[];
  readonly markets: readonly TradingMarket[];
}

export type MarginLevel = 'default' | 'sport' | 'tournament' | 'event' | 'market-type';

export interface MarginEntry {
  readonly level: MarginLevel;
  readonly key?: string;
  readonly margin?: number;
  readonly method?: string;
}

export interface PricePreview {
  readonly margin: number;
  readonly method: string;
  readonly overround?: number;
  readonly prices: Readonly<Record<string, string | null>>;
}

export interface MarginPreview {
  readonly markets: ReadonlyArray<{ readonly eventId: string; readonly marketKey: string; readonly state: string; readonly current: PricePreview; readonly proposed: PricePreview }>;
  readonly truncated: boolean;
}

export interface AuditEntry {
  readonly id: number;
  readonly at: string;
  readonly actor: { readonly sub: string; readonly name?: string };
  readonly action: string;
  readonly target: Readonly<Record<string, string>>;
  readonly before: unknown;
  readonly after: unknown;
  readonly effect?: Readonly<Record<string, number>>;
}

export interface LiabilityRow {
  readonly eventId: string;
  readonly marketKey: string;
  readonly outcomeId: string;
  readonly currency: string;
  readonly bets: number;
  readonly openStake: string;
  readonly potentialPayout: string;
  readonly liability: string;
}

export interface GgrRow {
  readonly day: string;
  readonly sportId: string;
  readonly currency: string;
  readonly bets: number;
  readonly turnover: string;
  readonly openStake: string;
  readonly payouts: string;
  readonly ggr: string;
}

export interface PricePoint {
  readonly ts: number;
  readonly outcomeId: string;
  readonly price: string | null;
  readonly active: boolean;
  readonly state: string;
}
