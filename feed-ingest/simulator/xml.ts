/**
 * Unified Odds Feed messages as the provider writes them (UnifiedFeed.xsd): odds_change with
 * sport_event_status and markets, bet_stop, bet_settlement, rollback_bet_settlement, bet_cancel,
 * fixture_change, alive, snapshot_complete. Pure string building; every attribute is escaped.
 */
import type { MarketResult } from './market.ts';
import type { MatchState } from './sport-model.ts';

const DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>';

type AttrValue = string | number | boolean | undefined;

export interface XmlOutcome {
  readonly id: string;
  readonly odds?: string;
  readonly probabilities?: string;
  readonly active?: 0 | 1;
}

export interface XmlMarket {
  readonly id: number;
  readonly specifiers: string;
  /** UOF market status: 1 active, 0 inactive, -1 suspended, -2 handed over. */
  readonly status: 1 | 0 | -1 | -2;
  readonly favourite?: boolean;
  readonly outcomes: readonly XmlOutcome[];
}

export interface MarketRef {
  readonly marketId: number;
  readonly specifiers: string;
}

interface EventHeader {
  readonly product: number;
  readonly eventId: string;
  readonly timestamp: number;
  readonly requestId?: number;
}

export function escapeAttribute(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

function attrs(list: readonly (readonly [string, AttrValue])[]): string {
  let out = '';
  for (const [name, value] of list) {
    if (value === undefined) continue;
    out += ` ${name}="${escapeAttribute(String(value))}"`;
  }
  return out;
}

function header(h: EventHeader): (readonly [string, AttrValue])[] {
  return [
    ['product', h.product],
    ['event_id', h.eventId],
    ['timestamp', h.timestamp],
    ['request_id', h.requestId],
  ];
}

function specifiersAttr(specifiers: string): string | undefined {
  return specifiers === '' ? undefined : specifiers;
}

export function oddsChangeXml(h: EventHeader & { readonly state?: MatchState; readonly closed?: boolean; readonly markets: readonly XmlMarket[] }): string {
  const parts = [DECLARATION, `<odds_change${attrs(header(h))}>`];
  if (h.state) parts.push(sportEventStatusXml(h.state, h.closed === true));
  if (h.markets.length > 0) {
    parts.push('<odds>');
    for (const m of h.markets) {
      const open = `<market${attrs([
        ['id', m.id],
        ['specifiers', specifiersAttr(m.specifiers)],
        ['status', m.status],
        ['favourite', m.favourite ? 1 : undefined],
      ])}`;
      if (m.outcomes.length === 0) {
        parts.push(`${open}/>`);
        continue;
      }
      parts.push(`${open}>`);
      for (const o of m.outcomes) {
        parts.push(`<outcome${attrs([['id', o.id], ['odds', o.odds], ['probabilities', o.probabilities], ['active', o.active]])}/>`);
      }
      parts.push('</market>');
    }
    parts.push('</odds>');
  }
  parts.push('</odds_change>');
  return parts.join('');
}

/** sport_event_status; `closed` reports status 4 (results confirmed, nothing more will change). */
function sportEventStatusXml(s: MatchState, closed = false): string {
  const t = s.tennis;
  const head = `<sport_event_status${attrs([
    ['status', closed ? 4 : s.status],
    ['reporting', s.status === 1 ? 1 : undefined],
    ['match_status', s.matchStatus],
    ['home_score', s.homeScore],
    ['away_score', s.awayScore],
    ['home_gamescore', t?.homeGamescore],
    ['away_gamescore', t?.awayGamescore],
    ['current_server', t?.currentServer],
    ['tiebreak', t ? t.tiebreak : undefined],
  ])}`;
  const body: string[] = [];
  if (s.clock) {
    body.push(
      `<clock${attrs([
        ['match_time', s.clock.matchTime],
        ['stoppage_time', s.clock.stoppageTime],
        ['stoppage_time_announced', s.clock.stoppageTimeAnnounced],
        ['remaining_time_in_period', s.clock.remainingTimeInPeriod],
        ['stopped', s.clock.stopped],
      ])}/>`,
    );
  }
  if (s.periodScores.length > 0) {
    body.push('<period_scores>');
    for (const p of s.periodScores) {
      body.push(`<period_score${attrs([['match_status_code', p.matchStatusCode], ['number', p.number], ['home_score', p.home], ['away_score', p.away]])}/>`);
    }
    body.push('</period_scores>');
  }
  if (s.cards) {
    body.push(
      '<statistics>',
      `<yellow_cards${attrs([['home', s.cards.yellow[0]], ['away', s.cards.yellow[1]]])}/>`,
      `<red_cards${attrs([['home', s.cards.red[0]], ['away', s.cards.red[1]]])}/>`,
      '</statistics>',
    );
  }
  return body.length === 0 ? `${head}/>` : `${head}>${body.join('')}</sport_event_status>`;
}

export function betStopXml(h: EventHeader & { readonly groups: string }): string {
  return `${DECLARATION}<bet_stop${attrs([...header(h), ['groups', h.groups]])}/>`;
}

export function betSettlementXml(h: EventHeader & { readonly certainty: 1 | 2; readonly markets: readonly MarketResult[] }): string {
  const parts = [DECLARATION, `<bet_settlement${attrs([['certainty', h.certainty], ...header(h)])}>`, '<outcomes>'];
  for (const m of h.markets) {
    parts.push(`<market${attrs([['id', m.marketId], ['specifiers', specifiersAttr(m.specifiers)]])}>`);
    for (const o of m.outcomes) {
      parts.push(`<outcome${attrs([['id', o.id], ['result', o.result], ['void_factor', o.voidFactor]])}/>`);
    }
    parts.push('</market>');
  }
  parts.push('</outcomes>', '</bet_settlement>');
  return parts.join('');
}

export function rollbackBetSettlementXml(h: EventHeader & { readonly markets: readonly MarketRef[] }): string {
  return `${DECLARATION}<rollback_bet_settlement${attrs(header(h))}>${marketRefs(h.markets)}</rollback_bet_settlement>`;
}

export function betCancelXml(h: EventHeader & { readonly startTime?: number; readonly endTime?: number; readonly markets: readonly MarketRef[] }): string {
  return `${DECLARATION}<bet_cancel${attrs([...header(h), ['start_time', h.startTime], ['end_time', h.endTime]])}>${marketRefs(h.markets)}</bet_cancel>`;
}

function marketRefs(markets: readonly MarketRef[]): string {
  return markets.map((m) => `<market${attrs([['id', m.marketId], ['specifiers', specifiersAttr(m.specifiers)]])}/>`).join('');
}

/** change_type 1 = new, 2 = start time changed, 3 = cancelled, 4 = format, 5 = coverage. */
export function fixtureChangeXml(h: EventHeader & { readonly changeType: number; readonly startTime: number }): string {
  return `${DECLARATION}<fixture_change${attrs([...header(h), ['change_type', h.changeType], ['start_time', h.startTime]])}/>`;
}

export function aliveXml(a: { readonly product: number; readonly timestamp: number; readonly subscribed: boolean }): string {
  return `${DECLARATION}<alive${attrs([['product', a.product], ['timestamp', a.timestamp], ['subscribed', a.subscribed ? 1 : 0]])}/>`;
}

export function snapshotCompleteXml(s: { readonly product: number; readonly timestamp: number; readonly requestId: number }): string {
  return `${DECLARATION}<snapshot_complete${attrs([['request_id', s.requestId], ['product', s.product], ['timestamp', s.timestamp]])}/>`;
}

/**
 * The AMQP routing key UOF would deliver the message with:
 * `{priority}.{pre}.{live}.{message type}.{sport}.{urn type}.{event number}.{node}`,
 * e.g. `hi.-.live.odds_change.1.sr:match.123.-`; system messages `-.-.-.alive.-.-.-.-`.
 */
export function routingKey(type: string, event?: { readonly eventId: string; readonly sportId: string; readonly live: boolean }): string {
  if (!event) return `-.-.-.${type}.-.-.-.-`;
  const priority = type === 'odds_change' || type === 'bet_stop' ? 'hi' : 'lo';
  const cut = event.eventId.lastIndexOf(':');
  const urnType = event.eventId.slice(0, cut);
  const number = event.eventId.slice(cut + 1);
  const sport = event.sportId.slice(event.sportId.lastIndexOf(':') + 1);
  return `${priority}.${event.live ? '-' : 'pre'}.${event.live ? 'live' : '-'}.${type}.${sport}.${urnType}.${number}.-`;
}
