/**
 * Lexical forms of the XSD simple types UOF uses, parsed by hand so that every odd value the
 * provider may send ("NaN", "", "1.0", "1.5e3", "99999999999999999999") is handled on purpose
 * rather than by whatever Number() happens to do. Each function returns undefined when the text
 * is not of its type; callers decide whether that fails the message or reads as absent.
 *
 * The forms are checked with character scans rather than regular expressions: a live odds_change
 * carries hundreds of these values, and the scans take a fraction of a regex test's time.
 */

const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const UPPER_E = 0x45;
const LOWER_E = 0x65;

/** Where the run of ASCII digits starting at `from` ends. */
function digitsEnd(text: string, from: number): number {
  let index = from;
  while (index < text.length) {
    const code = text.charCodeAt(index);
    if (code < ZERO || code > NINE) break;
    index++;
  }
  return index;
}

/** After an optional sign. */
function unsignedStart(text: string): number {
  const first = text.charCodeAt(0);
  return first === PLUS || first === MINUS ? 1 : 0;
}

/** `[+-]?\d+(\.0*)?` */
function isIntegerForm(text: string): boolean {
  const start = unsignedStart(text);
  const end = digitsEnd(text, start);
  if (end === start) return false;
  if (end === text.length) return true;
  if (text.charCodeAt(end) !== DOT) return false;
  let index = end + 1;
  while (index < text.length && text.charCodeAt(index) === ZERO) index++;
  return index === text.length;
}

/** `[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?`: xs:double without its special values. */
function isDecimalForm(text: string): boolean {
  const start = unsignedStart(text);
  let index = digitsEnd(text, start);
  let digits = index > start;
  if (index < text.length && text.charCodeAt(index) === DOT) {
    const fractionEnd = digitsEnd(text, index + 1);
    digits ||= fractionEnd > index + 1;
    index = fractionEnd;
  }
  if (!digits) return false;
  if (index === text.length) return true;
  const marker = text.charCodeAt(index);
  if (marker !== LOWER_E && marker !== UPPER_E) return false;
  const exponentStart = index + 1 + (text.charCodeAt(index + 1) === PLUS || text.charCodeAt(index + 1) === MINUS ? 1 : 0);
  const exponentEnd = digitsEnd(text, exponentStart);
  return exponentEnd > exponentStart && exponentEnd === text.length;
}

/** Digits a double holds exactly (10^15 < 2^53), and the powers of ten it holds exactly. */
const MAX_EXACT_DIGITS = 15;
const EXACT_POWERS_OF_TEN = Array.from({ length: MAX_EXACT_DIGITS + 1 }, (_, power) => 10 ** power);

/**
 * The value of a short plain decimal (`[+-]?\d*(\.\d*)?`, at least one and at most 15 digits,
 * no exponent), or undefined for any other text. What the feed sends nearly always has this
 * form ("1.75", "0.4512", "1795378812345"), and for it the digits read as an integer divided by a
 * power of ten give exactly Number(text): both operands are exact doubles and IEEE division rounds
 * correctly. Number() itself costs several times more on a hot path that reads hundreds of values.
 */
function shortDecimal(text: string): number | undefined {
  const length = text.length;
  let index = unsignedStart(text);
  let mantissa = 0;
  let digits = 0;
  let fractionDigits = -1;
  for (; index < length; index++) {
    const code = text.charCodeAt(index);
    if (code >= ZERO && code <= NINE) {
      mantissa = mantissa * 10 + (code - ZERO);
      digits++;
      if (fractionDigits >= 0) fractionDigits++;
    } else if (code === DOT && fractionDigits < 0) {
      fractionDigits = 0;
    } else {
      return undefined;
    }
  }
  if (digits === 0 || digits > MAX_EXACT_DIGITS) return undefined;
  const magnitude = fractionDigits > 0 ? mantissa / EXACT_POWERS_OF_TEN[fractionDigits]! : mantissa;
  return text.charCodeAt(0) === MINUS ? -magnitude : magnitude;
}

const DECIMAL_PARTS = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/;

/** xs:int / xs:long. "1.0" is accepted as 1 (seen in the wild); values beyond 2^53 are not. */
export function parseXsdInteger(text: string): number | undefined {
  if (!isIntegerForm(text)) return undefined;
  const value = shortDecimal(text) ?? Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

/** xs:double, including its special values NaN, INF, +INF and -INF. */
export function parseXsdDouble(text: string): number | undefined {
  const short = shortDecimal(text);
  if (short !== undefined) return short;
  if (isDecimalForm(text)) return Number(text);
  switch (text) {
    case 'NaN':
      return Number.NaN;
    case 'INF':
    case '+INF':
      return Number.POSITIVE_INFINITY;
    case '-INF':
      return Number.NEGATIVE_INFINITY;
    default:
      return undefined;
  }
}

/** Longer texts or larger exponents are no factor the feed sends, and would make huge strings. */
const MAX_DECIMAL_CHARS = 64;
const MAX_DECIMAL_EXPONENT = 40;

/**
 * A decimal number (xs:double lexical form, without the special values) as a canonical decimal
 * string for big.js: no exponent, no leading or trailing zeros ("0.50" → "0.5", "5e-1" → "0.5",
 * "1.0" → "1", "-0" → "0"). Exact: the digits are moved, never converted to binary.
 */
export function canonicalDecimal(text: string): string | undefined {
  if (text.length > MAX_DECIMAL_CHARS || !isDecimalForm(text)) return undefined;
  const parts = DECIMAL_PARTS.exec(text);
  if (!parts) return undefined;
  const [, sign = '', whole = '', fraction = '', exponent] = parts;
  const shift = exponent === undefined ? 0 : Number(exponent);
  if (Math.abs(shift) > MAX_DECIMAL_EXPONENT) return undefined;

  let digits = whole + fraction;
  let point = whole.length + shift;
  let lead = 0;
  while (lead < digits.length && digits.charCodeAt(lead) === 48) lead++;
  digits = digits.slice(lead);
  point -= lead;
  let end = digits.length;
  while (end > 0 && digits.charCodeAt(end - 1) === 48) end--;
  digits = digits.slice(0, end);
  if (digits === '') return '0';

  let magnitude: string;
  if (point <= 0) magnitude = `0.${'0'.repeat(-point)}${digits}`;
  else if (point >= digits.length) magnitude = digits + '0'.repeat(point - digits.length);
  else magnitude = `${digits.slice(0, point)}.${digits.slice(point)}`;
  return sign === '-' ? `-${magnitude}` : magnitude;
}

/** xs:boolean: true, false, 1, 0. */
export function parseXsdBoolean(text: string): boolean | undefined {
  switch (text) {
    case 'true':
    case '1':
      return true;
    case 'false':
    case '0':
      return false;
    default:
      return undefined;
  }
}
