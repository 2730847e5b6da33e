/**
 * How figures read on screen. Money arrives as decimal strings and is formatted from the string
 * (Intl takes decimal strings exactly), never through a float.
 */

const moneyFormats = new Map<string, Intl.NumberFormat>();

export function formatMoney(amount: string, currency: string): string {
  let format = moneyFormats.get(currency);
  if (!format) {
    format = new Intl.NumberFormat('en-GB', { style: 'currency', currency, minimumFractionDigits: 2, maximumFractionDigits: 2 });
    moneyFormats.set(currency, format);
  }
  return format.format(amount as Intl.StringNumericLiteral);
}

/** 0.0512 → "5.12 %". */
export function formatPercent(ratio: number | undefined, digits = 2): string {
  return ratio === undefined || !Number.isFinite(ratio) ? '–' : `${(ratio * 100).toFixed(digits)} %`;
}

const timeFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
const dayTimeFormat = new Intl.DateTimeFormat('en-GB', { weekday: 'short', hour: '2-digit', minute: '2-digit' });
const clockFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** A kick-off: "18:30" today, "Sat 18:30" on another day. */
export function formatKickOff(iso: string, now = Date.now()): string {
  const at = new Date(iso);
  return new Date(now).toDateString() === at.toDateString() ? timeFormat.format(at) : dayTimeFormat.format(at);
}

/** A moment to the second (audit log, bet times). */
export function formatClock(ms: number): string {
  return clockFormat.format(new Date(ms));
}

/** Today as YYYY-MM-DD (UTC), minus `daysBack` days. */
export function utcDay(daysBack = 0, now = Date.now()): string {
  return new Date(now - daysBack * 86_400_000).toISOString().slice(0, 10);
}
