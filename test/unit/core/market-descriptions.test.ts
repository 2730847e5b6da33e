import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { describeMarket, marketDescription, marketGroups, MARKET_DESCRIPTIONS } from '../../../core/market-descriptions.ts';

const competitors = [
  { name: 'Ashford Rovers', qualifier: 'home' as const },
  { name: 'Bramley City', qualifier: 'away' as const },
];

describe('describeMarket', () => {
  test('renders competitor names and plain outcomes (1x2)', () => {
    assert.deepEqual(describeMarket(1, '', competitors), {
      name: '1x2',
      outcomes: { '1': 'Ashford Rovers', '2': 'draw', '3': 'Bramley City' },
    });
  });

  test('puts the specifier value into over/under names', () => {
    assert.deepEqual(describeMarket(18, 'total=2.5'), { name: 'Total', outcomes: { '12': 'over 2.5', '13': 'under 2.5' } });
    assert.equal(describeMarket(19, { total: '1.5' }, competitors)?.name, 'Ashford Rovers total');
  });

  test('signs handicaps with {+hcp} and {-hcp}, zero without a sign', () => {
    assert.deepEqual(describeMarket(16, 'hcp=-1.5', competitors)?.outcomes, { '1714': 'Ashford Rovers (-1.5)', '1715': 'Bramley City (+1.5)' });
    assert.deepEqual(describeMarket(16, 'hcp=0.25', competitors)?.outcomes, { '1714': 'Ashford Rovers (+0.25)', '1715': 'Bramley City (-0.25)' });
    assert.deepEqual(describeMarket(16, 'hcp=0', competitors)?.outcomes, { '1714': 'Ashford Rovers (0)', '1715': 'Bramley City (0)' });
    assert.deepEqual(describeMarket(223, 'hcp=+3.5', competitors)?.outcomes, { '1714': 'Ashford Rovers (+3.5)', '1715': 'Bramley City (-3.5)' });
  });

  test('renders ordinals with {!x}', () => {
    assert.equal(describeMarket(8, 'goalnr=1')?.name, '1st goal');
    assert.equal(describeMarket(8, 'goalnr=2')?.name, '2nd goal');
    assert.equal(describeMarket(8, 'goalnr=3')?.name, '3rd goal');
    assert.equal(describeMarket(8, 'goalnr=11')?.name, '11th goal');
    assert.equal(describeMarket(8, 'goalnr=12')?.name, '12th goal');
    assert.equal(describeMarket(8, 'goalnr=22')?.name, '22nd goal');
    assert.equal(describeMarket(204, 'setnr=2|total=9.5')?.name, '2nd set - total games');
    assert.equal(describeMarket(236, 'quarternr=4|total=40.5')?.outcomes['12'], 'over 40.5');
  });

  test('accepts specifiers in any order and as a record', () => {
    assert.deepEqual(describeMarket(204, 'total=10.5|setnr=1'), describeMarket(204, { setnr: '1', total: '10.5' }));
  });

  test('names competitors neutrally when none are given', () => {
    assert.equal(describeMarket(10, '')?.outcomes['10'], 'Competitor 1 or Competitor 2');
  });

  test('is undefined for an unknown market or a missing or malformed specifier', () => {
    assert.equal(describeMarket(999_999, ''), undefined);
    assert.equal(describeMarket(18, ''), undefined);
    assert.equal(describeMarket(18, 'total=lots'), undefined);
    assert.equal(describeMarket(8, 'goalnr=1.5'), undefined);
  });
});

describe('market description table', () => {
  test('every market has outcomes with unique ids and a group "all"', () => {
    for (const description of MARKET_DESCRIPTIONS.values()) {
      const ids = description.outcomes.map((o) => o.id);
      assert.ok(ids.length >= 2, `market ${description.id} has outcomes`);
      assert.equal(new Set(ids).size, ids.length, `market ${description.id} outcome ids are unique`);
      assert.ok(description.groups.includes('all'), `market ${description.id} is in group all`);
    }
  });

  test('uses the provider ids for the main markets', () => {
    assert.deepEqual(marketDescription(1)?.outcomes.map((o) => o.id), ['1', '2', '3']);
    assert.deepEqual(marketDescription(18)?.outcomes.map((o) => o.id).sort(), ['12', '13']);
    assert.deepEqual(marketDescription(16)?.outcomes.map((o) => o.id), ['1714', '1715']);
    assert.deepEqual(marketDescription(29)?.outcomes.map((o) => o.id), ['74', '76']);
    assert.deepEqual(marketDescription(186)?.outcomes.map((o) => o.id), ['4', '5']);
    assert.deepEqual(marketDescription(219)?.outcomes.map((o) => o.id), ['4', '5']);
  });

  test('knows the groups a bet_stop can name', () => {
    assert.deepEqual(marketGroups(60), ['all', 'score', '1st_half']);
    assert.deepEqual(marketGroups(202), ['all', 'score', 'set']);
    assert.deepEqual(marketGroups(424_242), ['all']);
  });
});
