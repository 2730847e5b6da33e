import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { LegResult } from '../../../core/contracts/bets.ts';
import { fromMinor, toMinor, type Currency } from '../../../core/money.ts';
import { betPayout, legFactor } from '../../../settlement/payout.ts';
import { decideBet } from '../../../settlement/settler.ts';

type Result = Pick<LegResult, 'won' | 'voidFactor' | 'deadHeatFactor'>;

const won: Result = { won: true, voidFactor: '0', deadHeatFactor: '1' };
const lost: Result = { won: false, voidFactor: '0', deadHeatFactor: '1' };
const voided: Result = { won: false, voidFactor: '1', deadHeatFactor: '1' };
/** Asian handicap quarter lines: half the stake wins, half is returned. */
const halfWon: Result = { won: true, voidFactor: '0.5', deadHeatFactor: '1' };
/** Half the stake is lost, half is returned. */
const halfLost: Result = { won: false, voidFactor: '0.5', deadHeatFactor: '1' };
const deadHeat2: Result = { won: true, voidFactor: '0', deadHeatFactor: '0.5' };
const deadHeat3: Result = { won: true, voidFactor: '0', deadHeatFactor: '0.333333' };

describe('leg factor = (1 − void) × (won ? odds × dead heat : 0) + void', () => {
  const cases: Array<[string, string, Result, string]> = [
    ['win', '2.05', won, '2.05'],
    ['lose', '2.05', lost, '0'],
    ['void (lost)', '2.05', voided, '1'],
    ['void (won: the result does not matter)', '2.05', { ...voided, won: true }, '1'],
    ['half-win', '1.9', halfWon, '1.45'],
    ['half-lose', '1.9', halfLost, '0.5'],
    ['dead heat, 2-way', '3', deadHeat2, '1.5'],
    ['dead heat, 3-way', '4', deadHeat3, '1.333332'],
    ['dead heat, lost', '3', { ...deadHeat2, won: false }, '0'],
    ['quarter void, won', '2', { won: true, voidFactor: '0.25', deadHeatFactor: '1' }, '1.75'],
  ];
  for (const [name, odds, result, factor] of cases) {
    test(`${name}: ${odds} → ${factor}`, () => assert.equal(legFactor(odds, result).toString(), factor));
  }
});

describe('single payout = stake × factor, rounded down to the minor unit', () => {
  const cases: Array<[string, string, Currency, string, Result, string]> = [
    ['win', '10.00', 'EUR', '2.05', won, '20.50'],
    ['lose', '10.00', 'EUR', '2.05', lost, '0.00'],
    ['void', '10.00', 'EUR', '2.05', voided, '10.00'],
    ['half-win', '10.00', 'EUR', '1.90', halfWon, '14.50'],
    ['half-lose', '10.00', 'EUR', '1.90', halfLost, '5.00'],
    ['dead heat, 2-way', '10.00', 'EUR', '3.00', deadHeat2, '15.00'],
    ['dead heat, 3-way (13.33332 down)', '10.00', 'EUR', '4.00', deadHeat3, '13.33'],
    ['half-win with a fraction (7.77 × 1.455 = 11.30535)', '7.77', 'EUR', '1.91', halfWon, '11.30'],
    ['rounding down, never up (0.015)', '0.01', 'EUR', '1.5', won, '0.01'],
    ['rounding down (3.5631)', '3.33', 'EUR', '1.07', won, '3.56'],
    ['a currency without decimals (156.55)', '101', 'JPY', '1.55', won, '156'],
    ['eight decimals (0.185185185)', '0.12345679', 'BTC', '1.5', won, '0.18518518'],
    ['a large stake stays exact', '999999999.99', 'EUR', '1000', won, '999999999990.00'],
  ];
  for (const [name, stake, currency, odds, result, payout] of cases) {
    test(`${name}: ${stake} ${currency} at ${odds} → ${payout}`, () => {
      const minor = betPayout(toMinor(stake, currency), currency, [{ odds, result }]);
      assert.equal(fromMinor(minor, currency), payout);
    });
  }
});

describe('accumulator payout = stake × product of the leg factors', () => {
  const cases: Array<[string, Array<[string, Result]>, string]> = [
    ['two won', [['2.00', won], ['1.50', won]], '30.00'],
    ['one lost loses all', [['2.00', won], ['1.50', lost], ['3.00', won]], '0.00'],
    ['a voided leg counts 1', [['2.00', won], ['5.00', voided]], '20.00'],
    ['every leg void: the stake back', [['2.00', voided], ['5.00', voided]], '10.00'],
    ['a half-won leg', [['2.00', won], ['1.90', halfWon]], '29.00'],
    ['a half-lost leg', [['2.00', won], ['1.90', halfLost]], '10.00'],
    ['a dead-heat leg (2-way)', [['2.00', won], ['3.00', deadHeat2]], '30.00'],
    ['a dead-heat leg (3-way)', [['2.00', won], ['4.00', deadHeat3]], '26.66'],
    ['won, voided and dead heat together', [['1.50', won], ['7.00', voided], ['3.00', deadHeat2]], '22.50'],
    ['three legs, rounded once at the end (41.0571)', [['1.33', won], ['1.47', won], ['2.10', won]], '41.05'],
  ];
  for (const [name, legs, payout] of cases) {
    test(`${name} → ${payout}`, () => {
      const minor = betPayout(toMinor('10.00'), 'EUR', legs.map(([odds, result]) => ({ odds, result })));
      assert.equal(fromMinor(minor), payout);
    });
  }

  test('a leg without a result has no payout yet', () => {
    assert.throws(() => betPayout(1000n, 'EUR', [{ odds: '2.00', result: won }, { odds: '2.00' }]), RangeError);
  });
});

describe('what a bet becomes from its legs', () => {
  const legs = (n: number) => Array.from({ length: n }, () => ({ odds: '2.00' }));
  const settled = (r: Result): LegResult => ({ source: 'settled', ...r });
  const cancel: LegResult = { source: 'cancelled', won: false, voidFactor: '1', deadHeatFactor: '1' };

  test('a leg without result keeps the bet open, whatever the others', () => {
    assert.deepEqual(decideBet({ stake: 1000n, currency: 'EUR', legs: legs(2) }, [settled(lost), undefined]), { status: 'open', legs: [settled(lost), undefined] });
  });
  test('a single whose market was cancelled is cancelled', () => {
    assert.equal(decideBet({ stake: 1000n, currency: 'EUR', legs: legs(1) }, [cancel]).status, 'cancelled');
  });
  test('an accumulator is cancelled only when every leg is', () => {
    assert.equal(decideBet({ stake: 1000n, currency: 'EUR', legs: legs(2) }, [cancel, cancel]).status, 'cancelled');
    const target = decideBet({ stake: 1000n, currency: 'EUR', legs: legs(2) }, [cancel, settled(won)]);
    assert.equal(target.status, 'settled');
    assert.equal(target.payout, 2000n);
  });
  test('a void from the settlement itself is a settlement paying the stake back', () => {
    const target = decideBet({ stake: 1000n, currency: 'EUR', legs: legs(1) }, [settled(voided)]);
    assert.deepEqual([target.status, target.payout], ['settled', 1000n]);
  });
});
