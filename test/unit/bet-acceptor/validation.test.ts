import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PricedMarket } from '../../../core/contracts/odds.ts';
import { Big } from '../../../core/money.ts';
import type { MarketView } from '../../../core/ports/price-book.ts';
import { checkLegs, checkStake, combinedOdds, parseBet, potentialPayout, priceAcceptable, type BetRequest, type LegRead, type ParsedBet } from '../../../bet-acceptor/validation.ts';

const leg = (eventId = 'sr:match:1', extra: Partial<BetRequest['legs'][number]> = {}) => ({
  eventId,
  marketId: 1,
  outcomeId: '1',
  price: '2.50',
  priceVersion: { epoch: 'e1', seq: 4 },
  ...extra,
});

/** price null: the outcome is not offered. */
function view(state: PricedMarket['state'] = 'open', price: string | null = '2.50', seq = 4): MarketView {
  return {
    eventId: 'sr:match:1',
    epoch: 'e1',
    seq,
    market: {
      marketKey: '1',
      marketId: 1,
      specifiers: '',
      state,
      suspensions: state === 'suspended' ? [{ reason: 'BET_STOP', since: 1 }] : [],
      outcomes: [{ outcomeId: '1', active: price !== null, version: 3, ...(price ? { price } : {}) }],
      producer: 3,
      margin: 0.05,
      version: 3,
    },
  };
}

function parsed(request: BetRequest): ParsedBet {
  const result = parseBet(request, 'EUR', 20);
  if (!result.ok) assert.fail(`${result.reason}: ${result.message}`);
  return result.bet;
}

describe('parseBet: what the schema cannot say', () => {
  test('a stake in the currency\'s precision, legs on distinct events, canonical market keys', () => {
    const bet = parsed({ stake: '12.5', legs: [leg('sr:match:1', { marketId: 18, specifiers: 'total=2.5|hcp=1' }), leg('sr:match:2')] });
    assert.equal(bet.stake, 1250n);
    assert.equal(bet.mode, 'none');
    assert.deepEqual(
      bet.legs.map((l) => l.marketKey),
      ['18/hcp=1|total=2.5', '1'],
    );
  });

  const invalid: Array<[string, BetRequest]> = [
    ['three decimals in EUR', { stake: '1.005', legs: [leg()] }],
    ['zero', { stake: '0', legs: [leg()] }],
    ['a sign', { stake: '-1.00', legs: [leg()] }],
    ['an exponent', { stake: '1e3', legs: [leg()] }],
    ['no legs', { stake: '1.00', legs: [] }],
    ['21 legs', { stake: '1.00', legs: Array.from({ length: 21 }, (_, i) => leg(`sr:match:${i + 1}`)) }],
    ['two legs on one event', { stake: '1.00', legs: [leg(), leg('sr:match:1', { marketId: 18 })] }],
    ['an event id that is not a URN', { stake: '1.00', legs: [leg('match 1')] }],
    ['odds of 1', { stake: '1.00', legs: [leg('sr:match:1', { price: '1' })] }],
    ['odds with 5 decimals', { stake: '1.00', legs: [leg('sr:match:1', { price: '2.12345' })] }],
  ];
  for (const [why, request] of invalid) {
    test(`INVALID_REQUEST: ${why}`, () => {
      const result = parseBet(request, 'EUR', 20);
      assert.equal(result.ok, false);
      assert.equal(!result.ok && result.reason, 'INVALID_REQUEST');
    });
  }

  test('precision follows the currency: JPY has none, BTC eight', () => {
    assert.equal(parseBet({ stake: '1.5', legs: [leg()] }, 'JPY', 20).ok, false);
    const btc = parseBet({ stake: '0.00000001', legs: [leg()] }, 'BTC', 20);
    assert.ok(btc.ok && btc.bet.stake === 1n);
  });
});

describe('checkLegs: existence, then status, then price', () => {
  const bet = parsed({ stake: '1.00', legs: [leg()] });
  const reasonOf = (reads: LegRead[], b = bet) => {
    const result = checkLegs(b, reads);
    return result.ok ? 'ok' : result.reason;
  };

  test('each reason, with the current price of every leg', () => {
    assert.equal(reasonOf([{ view: undefined, eventKnown: false }]), 'EVENT_NOT_FOUND');
    assert.equal(reasonOf([{ view: undefined, eventKnown: true }]), 'MARKET_NOT_FOUND');
    assert.equal(reasonOf([{ view: view(), eventKnown: true }], parsed({ stake: '1.00', legs: [leg('sr:match:1', { outcomeId: '2' })] })), 'MARKET_NOT_FOUND');
    for (const state of ['suspended', 'closed', 'settled', 'cancelled'] as const) assert.equal(reasonOf([{ view: view(state), eventKnown: true }]), 'MARKET_SUSPENDED', state);
    assert.equal(reasonOf([{ view: view('open', null), eventKnown: true }]), 'MARKET_SUSPENDED', 'outcome not offered');
    const changed = checkLegs(bet, [{ view: view('open', '2.40', 9), eventKnown: true }]);
    assert.ok(!changed.ok);
    assert.equal(changed.reason, 'PRICE_CHANGED');
    assert.deepEqual(changed.current, [{ eventId: 'sr:match:1', marketKey: '1', outcomeId: '1', price: '2.40', state: 'open', priceVersion: { epoch: 'e1', seq: 9 }, version: 3 }]);
  });

  test('an accepted leg carries the price and the (epoch, seq) it was read at', () => {
    const result = checkLegs(bet, [{ view: view('open', '2.50', 11), eventKnown: true }]);
    assert.ok(result.ok);
    assert.deepEqual(
      result.legs.map((l) => [l.odds, l.version, l.producer]),
      [['2.50', { epoch: 'e1', seq: 11 }, 3]],
    );
  });
});

describe('odds-change modes', () => {
  const table: Array<[string, string, string, boolean]> = [
    ['none', '2.50', '2.50', true],
    ['none', '2.50', '2.5', true],
    ['none', '2.50', '2.52', false],
    ['none', '2.50', '2.48', false],
    ['higher', '2.50', '2.50', true],
    ['higher', '2.50', '2.52', true],
    ['higher', '2.50', '2.48', false],
    ['any', '2.50', '1.01', true],
    ['any', '2.50', '1000', true],
  ];
  for (const [mode, requested, current, ok] of table) {
    test(`${mode}: seen ${requested}, now ${current} → ${ok ? 'accept' : 'reject'}`, () => {
      assert.equal(priceAcceptable(mode as 'none', requested, current), ok);
    });
  }
});

describe('odds, payout and stake limits', () => {
  test('accumulator odds are the exact product; the payout is rounded down to the cent', () => {
    const odds = combinedOdds([{ odds: '1.01' }, { odds: '1.03' }, { odds: '1.07' }]);
    assert.equal(odds.toString(), '1.113121');
    assert.equal(potentialPayout(999n, odds, 'EUR'), 1112n); // 9.99 × 1.113121 = 11.12007879
    assert.equal(potentialPayout(1n, new Big('1.99'), 'EUR'), 1n);
    assert.equal(potentialPayout(1n, new Big('3'), 'JPY'), 3n);
  });

  test('minimum, maximum and maximum payout, each with the limits in the details', () => {
    const limits = { minStake: 100n, maxStake: 10_000n, maxPayout: 50_000n };
    const reason = (stake: bigint, payout: bigint) => {
      const r = checkStake(stake, payout, limits, 'EUR');
      return r.ok ? 'ok' : r.reason;
    };
    assert.equal(reason(99n, 200n), 'STAKE_TOO_LOW');
    assert.equal(reason(100n, 200n), 'ok');
    assert.equal(reason(10_000n, 50_000n), 'ok');
    assert.equal(reason(10_001n, 20_000n), 'STAKE_TOO_HIGH');
    assert.equal(reason(5_000n, 50_001n), 'STAKE_TOO_HIGH');
    const r = checkStake(1n, 2n, limits, 'EUR');
    assert.deepEqual(!r.ok && r.details, { minStake: '1.00', maxStake: '100.00', maxPayout: '500.00' });
  });
});
