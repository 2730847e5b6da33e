/**
 * Parser events → UOF document (document.ts), built while the parser reads: each opening tag
 * becomes its typed object at once, and a stack of scopes says what every open element is to the
 * message, so a child is only read where the XSD puts it. Unknown elements, elements in places
 * the XSD does not put them and unknown attributes are skipped, an unknown element with its whole
 * subtree.
 *
 * A bad value does not stop the parse: the first one is kept and reported once the whole payload
 * has proved well-formed, so a truncated or broken message is FEED_MALFORMED_XML whatever its
 * values (decode.ts states the order of checks). Names from the input are only ever compared,
 * never used as object keys, so `__proto__` or `constructor` elements are just unknown elements.
 */
import type { ErrorCode } from '../../core/errors.ts';
import type { DecodeResult } from './decode.ts';
import type {
  UofBetSettlementMarket,
  UofBetSettlementOutcome,
  UofClock,
  UofDocument,
  UofMarket,
  UofMessageAttributes,
  UofOddsChange,
  UofOddsChangeMarket,
  UofOddsChangeOutcome,
  UofPeriodScore,
  UofSportEventStatus,
} from './document.ts';
import { canonicalDecimal, parseXsdBoolean, parseXsdDouble, parseXsdInteger } from './xsd-values.ts';

export class DecodeFailure {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
  ) {}
}

/** An element's attributes by name, as the parser gives them (a prototype-less record). */
type Attributes = Readonly<Record<string, string | undefined>>;

/** UOF nests four levels deep; anything far deeper is an attack or garbage, not a message. */
const MAX_DEPTH = 32;

/**
 * What an open element is to the message, which decides what its children are. 'ignored' covers
 * unknown elements and the known ones whose children mean nothing (outcome, clock, bet_stop...).
 */
type Scope =
  | 'ignored'
  | 'odds_change'
  | 'sport_event_status'
  | 'period_scores'
  | 'odds'
  | 'odds_market'
  | 'bet_settlement'
  | 'settlement_outcomes'
  | 'settlement_market'
  /** bet_cancel and the rollbacks: a list of market references. */
  | 'market_list';

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

const ODDS_MARKET = 'odds_change/odds/market';
const ODDS_OUTCOME = 'odds_change/odds/market/outcome';
const SPORT_EVENT_STATUS = 'odds_change/sport_event_status';
const SETTLEMENT_MARKET = 'bet_settlement/outcomes/market';
const SETTLEMENT_OUTCOME = 'bet_settlement/outcomes/market/outcome';

/**
 * A present attribute's value. Surrounding whitespace is not part of a value (the parser has
 * already turned tabs and line breaks into spaces), and an empty value reads as absent.
 */
function text(attributes: Attributes, name: string): string | undefined {
  const value = attributes[name];
  if (value === undefined || value === '') return undefined;
  // Nearly every value starts and ends with a printable ASCII character: no trim() call then.
  if (isPrintableAscii(value.charCodeAt(0)) && isPrintableAscii(value.charCodeAt(value.length - 1))) return value;
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Neither whitespace (which trim() removes) nor a control character. */
function isPrintableAscii(code: number): boolean {
  return code > 0x20 && code < 0x7f;
}

/** An informative integer: a value of another form reads as absent. */
function lenientInteger(attributes: Attributes, name: string): number | undefined {
  const value = text(attributes, name);
  return value === undefined ? undefined : parseXsdInteger(value);
}

function lenientDouble(attributes: Attributes, name: string): number | undefined {
  const value = text(attributes, name);
  return value === undefined ? undefined : parseXsdDouble(value);
}

function invalid(path: string, name: string, value: string, expected: string): DecodeFailure {
  return new DecodeFailure('FEED_INVALID_VALUE', `${path}/@${name}: ${JSON.stringify(value.slice(0, 80))} is not ${expected}`);
}

function repeatedOnce(path: string, name: string): DecodeFailure {
  return new DecodeFailure('FEED_INVALID_VALUE', `${path}/${name} appears more than once`);
}

/** Builds one document from one payload's events; use a new builder per payload. */
export class UofDocumentBuilder {
  private readonly scopes: Scope[] = [];
  private document: UofDocument | undefined;
  /** The first value problem, reported by result() if the payload turns out well-formed. */
  private problem: DecodeFailure | undefined;

  // The open elements that children are added to, and the single-occurrence children seen.
  private oddsChange: Mutable<UofOddsChange> | undefined;
  private oddsMarkets: UofOddsChangeMarket[] = [];
  private oddsMarket: Mutable<UofOddsChangeMarket> | undefined;
  private oddsOutcomes: UofOddsChangeOutcome[] = [];
  private status: Mutable<UofSportEventStatus> | undefined;
  private periodScores: UofPeriodScore[] = [];
  private settlementMarkets: UofBetSettlementMarket[] = [];
  private settlementOutcomes: UofBetSettlementOutcome[] = [];
  private marketRefs: UofMarket[] = [];
  private marketListPath = '';
  private seenOdds = false;
  private seenStatus = false;
  private seenClock = false;
  private seenPeriodScores = false;
  private seenMetadata = false;
  private seenOutcomes = false;

  /** An opening tag (a self-closing one is an opening and a closing tag). */
  open(name: string, attributes: Attributes): void {
    const { scopes } = this;
    const depth = scopes.length;
    if (depth >= MAX_DEPTH) throw new DecodeFailure('FEED_MALFORMED_XML', `elements nest more than ${MAX_DEPTH} deep`);
    scopes.push(depth === 0 ? this.root(name, attributes) : this.child(scopes[depth - 1]!, name, attributes));
  }

  close(): void {
    this.scopes.pop();
  }

  /** The document, or the first value problem; call once the parser has read the whole payload. */
  result(): DecodeResult {
    const { problem, document } = this;
    if (problem !== undefined) return { ok: false, code: problem.code, detail: problem.detail };
    // The parser refuses a payload without a root element, and an unknown root is a problem.
    if (document === undefined) throw new Error('no UOF document although the parser accepted the payload');
    return { ok: true, document };
  }

  private fail(problem: DecodeFailure): void {
    this.problem ??= problem;
  }

  /** An integer the engine acts on: a value of another form fails the message. */
  private strictInteger(attributes: Attributes, name: string, path: string): number | undefined {
    const value = text(attributes, name);
    if (value === undefined) return undefined;
    const parsed = parseXsdInteger(value);
    if (parsed === undefined) this.fail(invalid(path, name, value, 'an integer'));
    return parsed;
  }

  /** A settlement factor: kept as a canonical decimal string; a value of another form fails the message. */
  private strictDecimal(attributes: Attributes, name: string, path: string): string | undefined {
    const value = text(attributes, name);
    if (value === undefined) return undefined;
    const decimal = canonicalDecimal(value);
    if (decimal === undefined) this.fail(invalid(path, name, value, 'a decimal number'));
    return decimal;
  }

  private messageAttributes(a: Attributes, path: string): UofMessageAttributes {
    return {
      product: this.strictInteger(a, 'product', path),
      event_id: text(a, 'event_id'),
      timestamp: this.strictInteger(a, 'timestamp', path),
      request_id: this.strictInteger(a, 'request_id', path),
    };
  }

  private root(name: string, a: Attributes): Scope {
    switch (name) {
      case 'odds_change':
        this.document = this.oddsChange = {
          root: 'odds_change',
          ...this.messageAttributes(a, 'odds_change'),
          odds_change_reason: lenientInteger(a, 'odds_change_reason'),
          sport_event_status: undefined,
          betting_status: undefined,
          betstop_reason: undefined,
          market: this.oddsMarkets,
        };
        return 'odds_change';
      case 'bet_stop':
        this.document = {
          root: 'bet_stop',
          ...this.messageAttributes(a, 'bet_stop'),
          groups: text(a, 'groups'),
          market_status: this.strictInteger(a, 'market_status', 'bet_stop'),
        };
        return 'ignored';
      case 'bet_settlement':
        this.document = {
          root: 'bet_settlement',
          ...this.messageAttributes(a, 'bet_settlement'),
          certainty: this.strictInteger(a, 'certainty', 'bet_settlement'),
          market: this.settlementMarkets,
        };
        return 'bet_settlement';
      case 'bet_cancel':
        this.document = {
          root: 'bet_cancel',
          ...this.messageAttributes(a, 'bet_cancel'),
          start_time: this.strictInteger(a, 'start_time', 'bet_cancel'),
          end_time: this.strictInteger(a, 'end_time', 'bet_cancel'),
          superceded_by: text(a, 'superceded_by'),
          market: this.marketRefs,
        };
        return this.marketList('bet_cancel');
      case 'rollback_bet_settlement':
        this.document = {
          root: 'rollback_bet_settlement',
          ...this.messageAttributes(a, 'rollback_bet_settlement'),
          market: this.marketRefs,
        };
        return this.marketList('rollback_bet_settlement');
      case 'rollback_bet_cancel':
        this.document = {
          root: 'rollback_bet_cancel',
          ...this.messageAttributes(a, 'rollback_bet_cancel'),
          start_time: this.strictInteger(a, 'start_time', 'rollback_bet_cancel'),
          end_time: this.strictInteger(a, 'end_time', 'rollback_bet_cancel'),
          market: this.marketRefs,
        };
        return this.marketList('rollback_bet_cancel');
      case 'fixture_change':
        this.document = {
          root: 'fixture_change',
          ...this.messageAttributes(a, 'fixture_change'),
          change_type: lenientInteger(a, 'change_type'),
          start_time: lenientInteger(a, 'start_time'),
          next_live_time: lenientInteger(a, 'next_live_time'),
        };
        return 'ignored';
      case 'alive':
        this.document = {
          root: 'alive',
          product: this.strictInteger(a, 'product', 'alive'),
          timestamp: this.strictInteger(a, 'timestamp', 'alive'),
          subscribed: this.strictInteger(a, 'subscribed', 'alive'),
        };
        return 'ignored';
      case 'snapshot_complete':
        this.document = {
          root: 'snapshot_complete',
          product: this.strictInteger(a, 'product', 'snapshot_complete'),
          timestamp: this.strictInteger(a, 'timestamp', 'snapshot_complete'),
          request_id: this.strictInteger(a, 'request_id', 'snapshot_complete'),
        };
        return 'ignored';
      default:
        this.fail(new DecodeFailure('FEED_UNKNOWN_MESSAGE', `<${name.slice(0, 80)}> is not a Unified Odds Feed message`));
        return 'ignored';
    }
  }

  private marketList(root: string): Scope {
    this.marketListPath = `${root}/market`;
    return 'market_list';
  }

  private child(parent: Scope, name: string, a: Attributes): Scope {
    switch (parent) {
      case 'ignored':
        return 'ignored';
      case 'odds_change':
        if (name === 'odds') return this.odds(a);
        if (name === 'sport_event_status') return this.sportEventStatus(a);
        return 'ignored';
      case 'odds':
        if (name === 'market') return this.oddsChangeMarket(a);
        return 'ignored';
      case 'odds_market':
        if (name === 'outcome') this.oddsChangeOutcome(a);
        else if (name === 'market_metadata') this.marketMetadata(a);
        return 'ignored';
      case 'sport_event_status':
        if (name === 'clock') this.clock(a);
        else if (name === 'period_scores') return this.periodScoresOf();
        return 'ignored';
      case 'period_scores':
        if (name === 'period_score') this.periodScore(a);
        return 'ignored';
      case 'bet_settlement':
        if (name === 'outcomes') return this.outcomesOf();
        return 'ignored';
      case 'settlement_outcomes':
        if (name === 'market') return this.betSettlementMarket(a);
        return 'ignored';
      case 'settlement_market':
        if (name === 'outcome') this.betSettlementOutcome(a);
        return 'ignored';
      case 'market_list':
        if (name === 'market') this.marketRef(a);
        return 'ignored';
    }
  }

  private odds(a: Attributes): Scope {
    if (this.seenOdds) {
      this.fail(repeatedOnce('odds_change', 'odds'));
      return 'ignored';
    }
    this.seenOdds = true;
    const oddsChange = this.oddsChange!;
    oddsChange.betting_status = lenientInteger(a, 'betting_status');
    oddsChange.betstop_reason = lenientInteger(a, 'betstop_reason');
    return 'odds';
  }

  private sportEventStatus(a: Attributes): Scope {
    if (this.seenStatus) {
      this.fail(repeatedOnce('odds_change', 'sport_event_status'));
      return 'ignored';
    }
    this.seenStatus = true;
    this.oddsChange!.sport_event_status = this.status = {
      status: lenientInteger(a, 'status'),
      match_status: lenientInteger(a, 'match_status'),
      home_score: lenientDouble(a, 'home_score'),
      away_score: lenientDouble(a, 'away_score'),
      clock: undefined,
      period_scores: this.periodScores,
    };
    return 'sport_event_status';
  }

  private clock(a: Attributes): void {
    if (this.seenClock) return this.fail(repeatedOnce(SPORT_EVENT_STATUS, 'clock'));
    this.seenClock = true;
    const stopped = text(a, 'stopped');
    const clock: UofClock = {
      match_time: text(a, 'match_time'),
      stoppage_time: text(a, 'stoppage_time'),
      remaining_time: text(a, 'remaining_time'),
      remaining_time_in_period: text(a, 'remaining_time_in_period'),
      stopped: stopped === undefined ? undefined : parseXsdBoolean(stopped),
    };
    this.status!.clock = clock;
  }

  private periodScoresOf(): Scope {
    if (this.seenPeriodScores) {
      this.fail(repeatedOnce(SPORT_EVENT_STATUS, 'period_scores'));
      return 'ignored';
    }
    this.seenPeriodScores = true;
    return 'period_scores';
  }

  private periodScore(a: Attributes): void {
    this.periodScores.push({
      number: lenientInteger(a, 'number'),
      match_status_code: lenientInteger(a, 'match_status_code'),
      home_score: lenientDouble(a, 'home_score'),
      away_score: lenientDouble(a, 'away_score'),
    });
  }

  private oddsChangeMarket(a: Attributes): Scope {
    this.oddsOutcomes = [];
    this.seenMetadata = false;
    this.oddsMarket = {
      id: this.strictInteger(a, 'id', ODDS_MARKET),
      specifiers: text(a, 'specifiers'),
      extended_specifiers: text(a, 'extended_specifiers'),
      status: this.strictInteger(a, 'status', ODDS_MARKET),
      cashout_status: lenientInteger(a, 'cashout_status'),
      favourite: lenientInteger(a, 'favourite'),
      next_betstop: undefined,
      outcome: this.oddsOutcomes,
    };
    this.oddsMarkets.push(this.oddsMarket);
    return 'odds_market';
  }

  private marketMetadata(a: Attributes): void {
    if (this.seenMetadata) return this.fail(repeatedOnce(ODDS_MARKET, 'market_metadata'));
    this.seenMetadata = true;
    this.oddsMarket!.next_betstop = lenientInteger(a, 'next_betstop');
  }

  private oddsChangeOutcome(a: Attributes): void {
    this.oddsOutcomes.push({
      id: text(a, 'id'),
      odds: lenientDouble(a, 'odds'),
      probabilities: lenientDouble(a, 'probabilities'),
      active: this.strictInteger(a, 'active', ODDS_OUTCOME),
    });
  }

  private outcomesOf(): Scope {
    if (this.seenOutcomes) {
      this.fail(repeatedOnce('bet_settlement', 'outcomes'));
      return 'ignored';
    }
    this.seenOutcomes = true;
    return 'settlement_outcomes';
  }

  private betSettlementMarket(a: Attributes): Scope {
    this.settlementOutcomes = [];
    this.settlementMarkets.push({
      id: this.strictInteger(a, 'id', SETTLEMENT_MARKET),
      specifiers: text(a, 'specifiers'),
      extended_specifiers: text(a, 'extended_specifiers'),
      void_reason: lenientInteger(a, 'void_reason'),
      outcome: this.settlementOutcomes,
    });
    return 'settlement_market';
  }

  private betSettlementOutcome(a: Attributes): void {
    this.settlementOutcomes.push({
      id: text(a, 'id'),
      result: this.strictInteger(a, 'result', SETTLEMENT_OUTCOME),
      void_factor: this.strictDecimal(a, 'void_factor', SETTLEMENT_OUTCOME),
      dead_heat_factor: this.strictDecimal(a, 'dead_heat_factor', SETTLEMENT_OUTCOME),
    });
  }

  private marketRef(a: Attributes): void {
    const path = this.marketListPath;
    this.marketRefs.push({
      id: this.strictInteger(a, 'id', path),
      specifiers: text(a, 'specifiers'),
      extended_specifiers: text(a, 'extended_specifiers'),
      void_reason: lenientInteger(a, 'void_reason'),
    });
  }
}
