/**
 * Market descriptions: what the provider's `descriptions/{lang}/markets.xml` says about every
 * market the engine receives — its name template, the specifiers it takes, its outcomes' name
 * templates and the market groups a bet_stop may name. Ids, templates and groups are the
 * provider's own (English), for every market the built-in simulator offers.
 *
 * Name templates use the provider's placeholders:
 *   {x}            the specifier value as sent ("Total" lines: "over {total}" → "over 2.5")
 *   {+x} / {-x}    the value with its sign / negated with its sign ("(+1.5)", "(-1.5)", "(0)")
 *   {!x}           the value as an ordinal ("{!goalnr} goal" → "2nd goal")
 *   {$competitor1} / {$competitor2}  the home / away competitor's name
 * Other placeholders (players, events, arithmetic) are not used by these markets and are left
 * as they are.
 */
import type { Competitor } from './contracts/fixtures.ts';
import type { Specifiers } from './market-key.ts';
import { parseSpecifiers } from './market-key.ts';

export type SpecifierType = 'integer' | 'decimal' | 'string';

export interface MarketDescription {
  readonly id: number;
  readonly name: string;
  /** UOF market groups; bet_stop groups="…" suspends every market in any named group. */
  readonly groups: readonly string[];
  readonly specifiers: readonly { readonly name: string; readonly type: SpecifierType }[];
  readonly outcomes: readonly { readonly id: string; readonly name: string }[];
}

export interface DescribedMarket {
  readonly name: string;
  /** Outcome id → rendered name. */
  readonly outcomes: Readonly<Record<string, string>>;
}

const REGULAR = ['all', 'score', 'regular_play'] as const;
const TOTAL = [{ name: 'total', type: 'decimal' }] as const;
const HCP = [{ name: 'hcp', type: 'decimal' }] as const;
const ONE_X_TWO = [
  { id: '1', name: '{$competitor1}' },
  { id: '2', name: 'draw' },
  { id: '3', name: '{$competitor2}' },
] as const;
const WINNER = [
  { id: '4', name: '{$competitor1}' },
  { id: '5', name: '{$competitor2}' },
] as const;
const UNDER_OVER = [
  { id: '13', name: 'under {total}' },
  { id: '12', name: 'over {total}' },
] as const;
const HANDICAP = [
  { id: '1714', name: '{$competitor1} ({+hcp})' },
  { id: '1715', name: '{$competitor2} ({-hcp})' },
] as const;

const TABLE: readonly MarketDescription[] = [
  // Soccer
  { id: 1, name: '1x2', groups: REGULAR, specifiers: [], outcomes: ONE_X_TWO },
  {
    id: 8,
    name: '{!goalnr} goal',
    groups: REGULAR,
    specifiers: [{ name: 'goalnr', type: 'integer' }],
    outcomes: [
      { id: '6', name: '{$competitor1}' },
      { id: '7', name: 'none' },
      { id: '8', name: '{$competitor2}' },
    ],
  },
  {
    id: 10,
    name: 'Double chance',
    groups: REGULAR,
    specifiers: [],
    outcomes: [
      { id: '9', name: '{$competitor1} or draw' },
      { id: '10', name: '{$competitor1} or {$competitor2}' },
      { id: '11', name: 'draw or {$competitor2}' },
    ],
  },
  { id: 11, name: 'Draw no bet', groups: REGULAR, specifiers: [], outcomes: WINNER },
  { id: 16, name: 'Handicap', groups: REGULAR, specifiers: HCP, outcomes: HANDICAP },
  { id: 18, name: 'Total', groups: REGULAR, specifiers: TOTAL, outcomes: UNDER_OVER },
  { id: 19, name: '{$competitor1} total', groups: REGULAR, specifiers: TOTAL, outcomes: UNDER_OVER },
  { id: 20, name: '{$competitor2} total', groups: REGULAR, specifiers: TOTAL, outcomes: UNDER_OVER },
  {
    id: 26,
    name: 'Odd/even',
    groups: REGULAR,
    specifiers: [],
    outcomes: [
      { id: '70', name: 'odd' },
      { id: '72', name: 'even' },
    ],
  },
  {
    id: 29,
    name: 'Both teams to score',
    groups: REGULAR,
    specifiers: [],
    outcomes: [
      { id: '74', name: 'yes' },
      { id: '76', name: 'no' },
    ],
  },
  { id: 60, name: '1st half - 1x2', groups: ['all', 'score', '1st_half'], specifiers: [], outcomes: ONE_X_TWO },
  { id: 68, name: '1st half - total', groups: ['all', 'score', '1st_half'], specifiers: TOTAL, outcomes: UNDER_OVER },
  // Tennis
  { id: 186, name: 'Winner', groups: REGULAR, specifiers: [], outcomes: WINNER },
  { id: 187, name: 'Game handicap', groups: REGULAR, specifiers: HCP, outcomes: HANDICAP },
  { id: 189, name: 'Total games', groups: REGULAR, specifiers: TOTAL, outcomes: UNDER_OVER },
  { id: 202, name: '{!setnr} set - winner', groups: ['all', 'score', 'set'], specifiers: [{ name: 'setnr', type: 'integer' }], outcomes: WINNER },
  {
    id: 204,
    name: '{!setnr} set - total games',
    groups: ['all', 'score', 'set'],
    specifiers: [{ name: 'setnr', type: 'integer' }, ...TOTAL],
    outcomes: UNDER_OVER,
  },
  // Basketball
  { id: 219, name: 'Winner (incl. overtime)', groups: ['all', 'score', 'incl_ot'], specifiers: [], outcomes: WINNER },
  { id: 223, name: 'Handicap (incl. overtime)', groups: ['all', 'score', 'incl_ot'], specifiers: HCP, outcomes: HANDICAP },
  { id: 225, name: 'Total (incl. overtime)', groups: ['all', 'score', 'incl_ot'], specifiers: TOTAL, outcomes: UNDER_OVER },
  { id: 227, name: '{$competitor1} total (incl. overtime)', groups: ['all', 'score', 'incl_ot'], specifiers: TOTAL, outcomes: UNDER_OVER },
  { id: 228, name: '{$competitor2} total (incl. overtime)', groups: ['all', 'score', 'incl_ot'], specifiers: TOTAL, outcomes: UNDER_OVER },
  {
    id: 235,
    name: '{!quarternr} quarter - 1x2',
    groups: ['all', 'score', 'quarter'],
    specifiers: [{ name: 'quarternr', type: 'integer' }],
    outcomes: ONE_X_TWO,
  },
  {
    id: 236,
    name: '{!quarternr} quarter - total',
    groups: ['all', 'score', 'quarter'],
    specifiers: [{ name: 'quarternr', type: 'integer' }, ...TOTAL],
    outcomes: UNDER_OVER,
  },
];

export const MARKET_DESCRIPTIONS: ReadonlyMap<number, MarketDescription> = new Map(TABLE.map((d) => [d.id, d]));

export function marketDescription(marketId: number): MarketDescription | undefined {
  return MARKET_DESCRIPTIONS.get(marketId);
}

/** The groups of a market; unknown markets belong to 'all' only. */
export function marketGroups(marketId: number): readonly string[] {
  return MARKET_DESCRIPTIONS.get(marketId)?.groups ?? ['all'];
}

/**
 * Renders a market's name and its outcomes' names for these specifiers and competitors.
 * Undefined when the market is unknown, or a specifier it declares is missing or malformed
 * (a name built from half the facts would mislead a bettor).
 */
export function describeMarket(
  marketId: number,
  specifiers: Specifiers | string,
  competitors?: readonly Pick<Competitor, 'name' | 'qualifier'>[],
): DescribedMarket | undefined {
  const description = MARKET_DESCRIPTIONS.get(marketId);
  if (!description) return undefined;
  const values = typeof specifiers === 'string' ? parseSpecifiers(specifiers) : specifiers;
  for (const { name, type } of description.specifiers) {
    const value = values[name];
    if (value === undefined || !VALID[type].test(value)) return undefined;
  }
  const names = {
    competitor1: competitors?.find((c) => c.qualifier === 'home')?.name ?? 'Competitor 1',
    competitor2: competitors?.find((c) => c.qualifier === 'away')?.name ?? 'Competitor 2',
  };
  const render = (template: string): string => renderTemplate(template, values, names);
  const outcomes: Record<string, string> = {};
  for (const outcome of description.outcomes) outcomes[outcome.id] = render(outcome.name);
  return { name: render(description.name), outcomes };
}

const VALID: Readonly<Record<SpecifierType, RegExp>> = {
  integer: /^[+-]?\d+$/,
  decimal: /^[+-]?\d+(\.\d+)?$/,
  string: /^.+$/,
};

const PLACEHOLDER = /\{([+\-!$]?)([A-Za-z_][A-Za-z0-9_]*)\}/g;

function renderTemplate(template: string, values: Specifiers, names: { competitor1: string; competitor2: string }): string {
  return template.replace(PLACEHOLDER, (whole, form: string, name: string) => {
    if (form === '$') return name === 'competitor1' ? names.competitor1 : name === 'competitor2' ? names.competitor2 : whole;
    const value = values[name];
    if (value === undefined) return whole;
    switch (form) {
      case '+':
        return signed(value);
      case '-':
        return signed(negate(value));
      case '!':
        return /^\d+$/.test(value) ? ordinal(Number(value)) : value;
      default:
        return value;
    }
  });
}

/** "1.5" → "+1.5", "-1.5" stays, zero has no sign. */
function signed(value: string): string {
  if (Number(value) === 0) return value.replace(/^[+-]/, '');
  return value.startsWith('-') || value.startsWith('+') ? value : `+${value}`;
}

function negate(value: string): string {
  if (value.startsWith('-')) return value.slice(1);
  return `-${value.replace(/^\+/, '')}`;
}

/** 1st, 2nd, 3rd, 4th, 11th, 12th, 13th, 21st… */
function ordinal(n: number): string {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  const suffix = ['th', 'st', 'nd', 'rd'][n % 10] ?? 'th';
  return `${n}${suffix}`;
}
