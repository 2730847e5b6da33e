/**
 * Unified Odds Feed messages as the provider writes them (UnifiedFeed.xsd), one type per root
 * element, element and attribute names kept as in the XSD.
 *
 * A document is what the XML says, lexically checked and nothing more: numbers are numbers,
 * repeated elements are arrays, unknown elements and attributes are gone. Whether a field is
 * present, in range, or has a default is for normalize.ts to decide, so every attribute is
 * optional here even where the XSD marks it required.
 *
 * Value rules (document-builder.ts applies them):
 * - xs:int / xs:long: an integer, "1.0" accepted; a value of another form fails the decode for
 *   attributes the engine acts on (ids, statuses, results, time bounds) and reads as absent for
 *   informative ones (scores, reasons, cashout status).
 * - xs:double: any xs:double lexical form, so "NaN" and "INF" come through as NaN and Infinity
 *   and "1.5e3" as 1500; a value of another form reads as absent.
 * - Settlement factors stay decimal strings (canonical: "0.50" → "0.5", "5e-1" → "0.5") because
 *   money is computed from them with big.js.
 * - An empty attribute (`odds=""`) reads as absent.
 */

/** xsd:attributeGroup messageAttributes, on every event-scoped message. */
export interface UofMessageAttributes {
  readonly product?: number;
  readonly event_id?: string;
  /** ms since epoch (UTC). */
  readonly timestamp?: number;
  readonly request_id?: number;
}

export interface UofClock {
  readonly match_time?: string;
  readonly stoppage_time?: string;
  readonly remaining_time?: string;
  readonly remaining_time_in_period?: string;
  readonly stopped?: boolean;
}

export interface UofPeriodScore {
  readonly number?: number;
  readonly match_status_code?: number;
  readonly home_score?: number;
  readonly away_score?: number;
}

export interface UofSportEventStatus {
  readonly status?: number;
  readonly match_status?: number;
  readonly home_score?: number;
  readonly away_score?: number;
  readonly clock?: UofClock;
  readonly period_scores: readonly UofPeriodScore[];
}

export interface UofOddsChangeOutcome {
  readonly id?: string;
  readonly odds?: number;
  readonly probabilities?: number;
  /** outcomeActive: 1 active, 0 inactive. */
  readonly active?: number;
}

export interface UofOddsChangeMarket {
  readonly id?: number;
  readonly specifiers?: string;
  readonly extended_specifiers?: string;
  /** marketStatus: 1 active, 0 inactive, -1 suspended, -2 handed over, -3 settled, -4 cancelled. */
  readonly status?: number;
  readonly cashout_status?: number;
  /** favouriteType: 1 = this market is the favourite line. */
  readonly favourite?: number;
  /** market_metadata/@next_betstop, ms since epoch. */
  readonly next_betstop?: number;
  readonly outcome: readonly UofOddsChangeOutcome[];
}

export interface UofOddsChange extends UofMessageAttributes {
  readonly root: 'odds_change';
  readonly odds_change_reason?: number;
  readonly sport_event_status?: UofSportEventStatus;
  /** odds/@betting_status and odds/@betstop_reason. */
  readonly betting_status?: number;
  readonly betstop_reason?: number;
  /** odds/market; empty when the message carries no odds element. */
  readonly market: readonly UofOddsChangeMarket[];
}

export interface UofBetStop extends UofMessageAttributes {
  readonly root: 'bet_stop';
  /** `|`-separated market group names, as sent. */
  readonly groups?: string;
  readonly market_status?: number;
}

export interface UofBetSettlementOutcome {
  readonly id?: string;
  /** 1 won, 0 lost, -1 undecided yet. */
  readonly result?: number;
  readonly void_factor?: string;
  readonly dead_heat_factor?: string;
}

export interface UofBetSettlementMarket {
  readonly id?: number;
  readonly specifiers?: string;
  readonly extended_specifiers?: string;
  readonly void_reason?: number;
  readonly outcome: readonly UofBetSettlementOutcome[];
}

export interface UofBetSettlement extends UofMessageAttributes {
  readonly root: 'bet_settlement';
  /** certaintyLevel: 1 live scouted, 2 confirmed. */
  readonly certainty?: number;
  /** outcomes/market. */
  readonly market: readonly UofBetSettlementMarket[];
}

/** xsd:complexType market: what cancels and rollbacks name. */
export interface UofMarket {
  readonly id?: number;
  readonly specifiers?: string;
  readonly extended_specifiers?: string;
  readonly void_reason?: number;
}

export interface UofBetCancel extends UofMessageAttributes {
  readonly root: 'bet_cancel';
  readonly start_time?: number;
  readonly end_time?: number;
  readonly superceded_by?: string;
  readonly market: readonly UofMarket[];
}

export interface UofRollbackBetSettlement extends UofMessageAttributes {
  readonly root: 'rollback_bet_settlement';
  readonly market: readonly UofMarket[];
}

export interface UofRollbackBetCancel extends UofMessageAttributes {
  readonly root: 'rollback_bet_cancel';
  readonly start_time?: number;
  readonly end_time?: number;
  readonly market: readonly UofMarket[];
}

export interface UofFixtureChange extends UofMessageAttributes {
  readonly root: 'fixture_change';
  readonly change_type?: number;
  readonly start_time?: number;
  readonly next_live_time?: number;
}

export interface UofAlive {
  readonly root: 'alive';
  readonly product?: number;
  readonly timestamp?: number;
  /** 1 subscribed, 0 not subscribed (recovery needed). */
  readonly subscribed?: number;
}

export interface UofSnapshotComplete {
  readonly root: 'snapshot_complete';
  readonly product?: number;
  readonly timestamp?: number;
  readonly request_id?: number;
}

export type UofDocument =
  | UofOddsChange
  | UofBetStop
  | UofBetSettlement
  | UofBetCancel
  | UofRollbackBetSettlement
  | UofRollbackBetCancel
  | UofFixtureChange
  | UofAlive
  | UofSnapshotComplete;

export type UofRootName = UofDocument['root'];
