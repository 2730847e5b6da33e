/**
 * Canonical market and outcome keys.
 *
 * A market is identified by event + market id + specifiers. Providers send specifiers in any
 * order (`total=2.5|hcp=0:1`), so the canonical form sorts them by name: `hcp=0:1|total=2.5`.
 * Keys are plain strings so they work as map keys, Kafka keys and Redis hash fields alike.
 */
export type Specifiers = Readonly<Record<string, string>>;

/** Parses `k=v|k=v` (the UOF attribute form). Empty or missing input gives no specifiers. */
export function parseSpecifiers(raw: string | undefined): Specifiers {
  const out: Record<string, string> = {};
  if (!raw) return out;
  for (const part of raw.split('|')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) continue;
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}

/** The canonical `k=v|k=v` form, sorted by key; '' for none. */
export function canonicalSpecifiers(specifiers: Specifiers | string | undefined): string {
  if (typeof specifiers === 'string' && isCanonicalPair(specifiers)) return specifiers;
  const map = typeof specifiers === 'string' || specifiers === undefined ? parseSpecifiers(specifiers) : specifiers;
  const keys = Object.keys(map).sort();
  return keys.map((k) => `${k}=${map[k]}`).join('|');
}

/**
 * One `k=v` pair of printable ASCII without `|` or spaces is its own canonical form. Nearly every
 * market the feed sends carries one such pair: recognising it takes a scan, where parsing and
 * joining it takes several allocations per market. `__proto__` is no key parseSpecifiers keeps,
 * so it takes the long way.
 */
function isCanonicalPair(text: string): boolean {
  if (text.indexOf('=') <= 0 || text.startsWith('__proto__=')) return false;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code <= 0x20 || code >= 0x7f || code === 0x7c) return false;
  }
  return true;
}

/** `<marketId>` or `<marketId>/<canonical specifiers>`: unique within one event. */
export function marketKey(marketId: number, specifiers?: Specifiers | string): string {
  const spec = canonicalSpecifiers(specifiers);
  return spec === '' ? String(marketId) : `${marketId}/${spec}`;
}

/** Splits a market key back into its id and specifiers. */
export function parseMarketKey(key: string): { marketId: number; specifiers: Specifiers } {
  const slash = key.indexOf('/');
  const id = Number(slash < 0 ? key : key.slice(0, slash));
  return { marketId: id, specifiers: slash < 0 ? {} : parseSpecifiers(key.slice(slash + 1)) };
}

/** Globally unique: `<eventId>#<marketKey>`. */
export function globalMarketKey(eventId: string, key: string): string {
  return `${eventId}#${key}`;
}

/** Globally unique outcome key: `<eventId>#<marketKey>#<outcomeId>`. */
export function outcomeKey(eventId: string, key: string, outcomeId: string): string {
  return `${eventId}#${key}#${outcomeId}`;
}
