/**
 * Who the simulator lets play: sports with the provider's ids, tournaments and competitors with
 * stable ids and plausible (fictional) names. Constant data; which pairs meet, and when, is the
 * schedule's seeded business.
 */
import type { SportKey } from './sport-model.ts';

export interface CatalogCompetitor {
  readonly id: string;
  readonly name: string;
}

export interface CatalogTournament {
  readonly id: string;
  readonly name: string;
  readonly sport: SportKey;
  /** Women's competition (tennis serve strength differs). */
  readonly women: boolean;
  readonly competitors: readonly CatalogCompetitor[];
}

/** UOF sport ids and names. */
export const SPORTS: Readonly<Record<SportKey, { readonly id: string; readonly name: string }>> = {
  football: { id: 'sr:sport:1', name: 'Soccer' },
  basketball: { id: 'sr:sport:2', name: 'Basketball' },
  tennis: { id: 'sr:sport:5', name: 'Tennis' },
};

const FOOTBALL: readonly (readonly [string, readonly string[]])[] = [
  [
    'Premier Division',
    ['Ashford Rovers', 'Bramley City', 'Castlebridge United', 'Dunmore Athletic', 'Eastwick Albion', 'Fenwick Town', 'Greyhaven FC', 'Harrowgate Wanderers', 'Kingsmere United', 'Longford Park', 'Marlow Forest', 'Northbridge City'],
  ],
  [
    'Liga Primera',
    ['Real Costa Azul', 'Atlético Valdemar', 'CD Montesierra', 'UD Las Palmeras', 'Sporting Almenara', 'Racing Villafranca', 'CF Puerto Alto', 'Deportivo Sierra Norte', 'SD Riomar', 'Club Atlético Olivares'],
  ],
  [
    'Erste Liga',
    ['1. FC Lindenau', 'SV Hafenstadt', 'TSV Bergheim', 'FC Rheinfeld', 'VfB Altmark', 'Borussia Talheim', 'SC Elbufer', 'Eintracht Wesel', 'Union Neustadt', 'Fortuna Kleinau'],
  ],
  [
    'Serie Alta',
    ['AC Montevolta', 'US Castellano', 'SS Porto Lido', 'AS Valdora', 'FC Sangiorgio', 'Calcio Bellamare', 'Virtus Fiorano', 'Sporting Lucera', 'AC Terralba', 'Inter Brezzano'],
  ],
];

const BASKETBALL: readonly (readonly [string, readonly string[]])[] = [
  [
    'Continental Basketball League',
    ['Adriatic Sharks', 'Baltic Wolves', 'Carpathian Bears', 'Danube Falcons', 'Iberian Lynx', 'Nordic Storm', 'Rhine Eagles', 'Tatra Titans', 'Aegean Dolphins', 'Alpine Stags'],
  ],
  [
    'Pacific Hoops Conference',
    ['Harbor City Hawks', 'Redwood Giants', 'Sierra Suns', 'Coastline Mariners', 'Desert Coyotes', 'Bayview Rockets', 'Cascade Pines', 'Golden Valley Miners'],
  ],
];

const MEN_FIRST = ['Luka', 'Matteo', 'Andrei', 'Tomas', 'Jonas', 'Felix', 'Daniel', 'Marco', 'Nikolai', 'Pablo', 'Hugo', 'Stefan'];
const WOMEN_FIRST = ['Elena', 'Sofia', 'Anna', 'Marta', 'Clara', 'Ines', 'Julia', 'Petra', 'Laura', 'Nadia', 'Emma', 'Irina'];
const LAST = ['Novak', 'Moreau', 'Petrov', 'Lindqvist', 'Kovac', 'Romero', 'Brandt', 'Costa', 'Horvat', 'Nielsen', 'Varga', 'Ferreira', 'Kowalski', 'Duval', 'Santoro', 'Jensen'];

const TENNIS: readonly (readonly [string, boolean])[] = [
  ['ATP Vienna Indoor, Men Singles', false],
  ['ATP Lisbon Open, Men Singles', false],
  ['WTA Prague Open, Women Singles', true],
  ['WTA Valencia Cup, Women Singles', true],
];

/** Tennis players as the provider names them: "Lastname, Firstname". */
function players(first: readonly string[], offset: number, count: number): string[] {
  const names: string[] = [];
  for (let i = 0; i < count; i += 1) names.push(`${LAST[(i * 5 + offset) % LAST.length]!}, ${first[(i + offset * 3) % first.length]!}`);
  return names;
}

function build(): CatalogTournament[] {
  const out: CatalogTournament[] = [];
  let tournamentId = 90_001;
  let competitorId = 3_100_001;
  const add = (sport: SportKey, name: string, women: boolean, names: readonly string[]): void => {
    out.push({
      id: `sr:tournament:${tournamentId++}`,
      name,
      sport,
      women,
      competitors: names.map((n) => ({ id: `sr:competitor:${competitorId++}`, name: n })),
    });
  };
  for (const [name, teams] of FOOTBALL) add('football', name, false, teams);
  for (const [name, teams] of BASKETBALL) add('basketball', name, false, teams);
  TENNIS.forEach(([name, women], i) => add('tennis', name, women, players(women ? WOMEN_FIRST : MEN_FIRST, i, 16)));
  return out;
}

export const TOURNAMENTS: readonly CatalogTournament[] = build();
