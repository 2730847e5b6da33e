/** The desk's audit log: who changed what, when, from what to what; newest first. */
import { formatPercent } from '../shared/format.ts';
import { marketNames } from '../shared/names.ts';
import { usePolling } from '../shared/use-polling.ts';
import { enc, eventName, useDesk } from './context.ts';
import type { AuditEntry } from './types.ts';

const ACTIONS: Readonly<Record<string, string>> = {
  'margin.set': 'Margin set',
  'margin.removed': 'Margin removed',
  'event.suspended': 'Event suspended',
  'event.resumed': 'Event resumed',
  'market.suspended': 'Market suspended',
  'market.resumed': 'Market resumed',
  'price.shifted': 'Price shifted',
  'price.shift-removed': 'Shift removed',
};

export function AuditPanel({ eventId }: { eventId: string | undefined }) {
  const { call } = useDesk();
  const log = usePolling((signal) => call<{ entries: AuditEntry[] }>(`/v1/trading/audit?limit=50${eventId ? `&eventId=${enc(eventId)}` : ''}`, { signal }), 3000, [eventId]);
  const entries = log.data?.entries ?? [];
  return (
    <section class="audit" aria-label="Audit log">
      {log.error ? <p class="notice error">{log.error.message}</p> : null}
      {entries.length === 0 ? (
        <p class="empty">{log.data ? 'Nothing changed yet.' : 'Loading…'}</p>
      ) : (
        <ol class="audit-list">
          {entries.map((e) => (
            <li key={e.id} data-action={e.action}>
              <div class="audit-head">
                <b>{ACTIONS[e.action] ?? e.action}</b>
                <time class="muted" dateTime={e.at}>
                  {new Date(e.at).toLocaleTimeString('en-GB')}
                </time>
              </div>
              <div>
                <Target target={e.target} />
              </div>
              <div class="muted">
                {e.actor.name ?? e.actor.sub}
                {changeText(e)}
                {e.effect?.markets !== undefined ? ` · ${e.effect.markets} markets re-priced` : ''}
              </div>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

function Target({ target }: { target: Readonly<Record<string, string>> }) {
  const { fixtures } = useDesk();
  if (target.level !== undefined) return <span>{target.level === 'default' ? 'Default margin' : `${target.level} ${target.key ?? ''}`}</span>;
  const eventId = target.eventId;
  const names = target.marketKey ? marketNames(target.marketKey, eventId ? fixtures.get(eventId)?.competitors : undefined) : undefined;
  return (
    <span>
      {eventId ? eventName(fixtures, eventId) : ''}
      {names ? ` · ${names.name}` : ''}
      {names && target.outcomeId ? ` · ${names.outcome(target.outcomeId)}` : ''}
    </span>
  );
}

/** " · 5.00 % → 30.00 %" for margins, " · 0 → +2 ticks" for shifts. */
function changeText(entry: AuditEntry): string {
  const describe = (v: unknown): string => {
    if (v === null || v === undefined) return 'none';
    if (typeof v === 'number') return String(v);
    if (typeof v === 'object') {
      const o = v as { margin?: number; method?: string; ticks?: number };
      if (o.margin !== undefined || o.method !== undefined) return [o.margin !== undefined ? formatPercent(o.margin) : undefined, o.method].filter(Boolean).join(' ');
      if (o.ticks !== undefined) return `${o.ticks > 0 ? '+' : ''}${o.ticks} ticks`;
    }
    return typeof v === 'string' ? v : JSON.stringify(v);
  };
  if (entry.action.startsWith('margin.') || entry.action.startsWith('price.')) return ` · ${describe(entry.before)} → ${describe(entry.after)}`;
  return '';
}
