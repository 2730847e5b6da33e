import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { canonicalDecimal, parseXsdBoolean, parseXsdDouble, parseXsdInteger } from '../../../feed-ingest/uof/xsd-values.ts';

describe('parseXsdInteger', () => {
  test('reads integers, signs, leading zeros and a zero fraction', () => {
    assert.equal(parseXsdInteger('42'), 42);
    assert.equal(parseXsdInteger('-4'), -4);
    assert.equal(parseXsdInteger('+7'), 7);
    assert.equal(parseXsdInteger('007'), 7);
    assert.equal(parseXsdInteger('1.0'), 1);
    assert.equal(parseXsdInteger('1795378812345'), 1795378812345);
  });

  test('rejects fractions, exponents, specials, blanks and values past 2^53', () => {
    for (const text of ['1.5', '1e3', 'NaN', 'INF', '', ' ', 'abc', '0x10', '1_000', '99999999999999999999', '١٢']) {
      assert.equal(parseXsdInteger(text), undefined, text);
    }
  });
});

describe('parseXsdDouble', () => {
  test('reads decimal and exponent forms', () => {
    assert.equal(parseXsdDouble('1.62'), 1.62);
    assert.equal(parseXsdDouble('1.5e3'), 1500);
    assert.equal(parseXsdDouble('4.5E-1'), 0.45);
    assert.equal(parseXsdDouble('.55'), 0.55);
    assert.equal(parseXsdDouble('2.'), 2);
    assert.equal(parseXsdDouble('-0.25'), -0.25);
  });

  test('reads the XSD special values', () => {
    assert.ok(Number.isNaN(parseXsdDouble('NaN')));
    assert.equal(parseXsdDouble('INF'), Infinity);
    assert.equal(parseXsdDouble('+INF'), Infinity);
    assert.equal(parseXsdDouble('-INF'), -Infinity);
  });

  test('rejects what Number() would quietly accept or misread', () => {
    for (const text of ['', ' ', 'Infinity', 'nan', '0x1A', '1,5', '1.5.1', 'e5', '1e', '--1', '0b1']) {
      assert.equal(parseXsdDouble(text), undefined, text);
    }
  });
});

describe('canonicalDecimal', () => {
  test('strips leading and trailing zeros exactly', () => {
    assert.equal(canonicalDecimal('0.50'), '0.5');
    assert.equal(canonicalDecimal('1.0'), '1');
    assert.equal(canonicalDecimal('1'), '1');
    assert.equal(canonicalDecimal('00.500'), '0.5');
    assert.equal(canonicalDecimal('.5'), '0.5');
    assert.equal(canonicalDecimal('0'), '0');
    assert.equal(canonicalDecimal('-0.0'), '0');
    assert.equal(canonicalDecimal('-0.25'), '-0.25');
    assert.equal(canonicalDecimal('0.3333333333333333333333'), '0.3333333333333333333333');
  });

  test('moves the point for exponent forms without going through binary', () => {
    assert.equal(canonicalDecimal('5e-1'), '0.5');
    assert.equal(canonicalDecimal('1.5e3'), '1500');
    assert.equal(canonicalDecimal('25E-3'), '0.025');
    assert.equal(canonicalDecimal('1e0'), '1');
    assert.equal(canonicalDecimal('0.1e1'), '1');
  });

  test('rejects specials, garbage and absurd exponents', () => {
    for (const text of ['NaN', 'INF', '', 'abc', '1e999', '1e-41', '0.5%', `0.${'0'.repeat(70)}1`]) {
      assert.equal(canonicalDecimal(text), undefined, text);
    }
  });
});

describe('parseXsdBoolean', () => {
  test('reads the four lexical forms and nothing else', () => {
    assert.equal(parseXsdBoolean('true'), true);
    assert.equal(parseXsdBoolean('1'), true);
    assert.equal(parseXsdBoolean('false'), false);
    assert.equal(parseXsdBoolean('0'), false);
    assert.equal(parseXsdBoolean('TRUE'), undefined);
    assert.equal(parseXsdBoolean('yes'), undefined);
  });
});

describe('the lexical forms, against their XSD patterns', () => {
  // The parsers scan characters by hand for speed; these are the patterns they implement.
  const INTEGER = /^[+-]?\d+(?:\.0*)?$/;
  const DOUBLE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
  const lexeme = fc.string({ unit: fc.constantFrom('0', '1', '9', '+', '-', '.', 'e', 'E', ' ', 'x', '٣'), maxLength: 8 });

  test('parseXsdInteger accepts exactly [+-]?digits(.0*)? within 2^53', () => {
    fc.assert(
      fc.property(lexeme, (text) => {
        const expected = INTEGER.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;
        assert.equal(parseXsdInteger(text), expected);
      }),
      { numRuns: 20_000 },
    );
  });

  test('parseXsdDouble and canonicalDecimal accept exactly the xs:double decimal form', () => {
    fc.assert(
      fc.property(lexeme, (text) => {
        assert.equal(parseXsdDouble(text), DOUBLE.test(text) ? Number(text) : undefined);
        // canonicalDecimal also refuses exponents past ±40, so only forms without one must pass.
        if (!DOUBLE.test(text)) assert.equal(canonicalDecimal(text), undefined);
        else if (!/[eE]/.test(text)) assert.notEqual(canonicalDecimal(text), undefined);
      }),
      { numRuns: 20_000 },
    );
  });

  test('plain decimals of up to 20 digits read exactly as Number() reads them', () => {
    const digits = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 1, maxLength: 20 });
    const decimal = fc.tuple(fc.constantFrom('', '-', '+'), digits, fc.nat(20)).map(([sign, ds, point]) => {
      const at = Math.min(point, ds.length);
      return point > ds.length ? sign + ds : `${sign}${ds.slice(0, at)}.${ds.slice(at)}`;
    });
    fc.assert(
      fc.property(decimal, (text) => {
        assert.equal(parseXsdDouble(text), Number(text), text);
        const integer = INTEGER.test(text) && Number.isSafeInteger(Number(text)) ? Number(text) : undefined;
        assert.equal(parseXsdInteger(text), integer, text);
      }),
      { numRuns: 50_000 },
    );
  });
});
