/**
 * The margin at each level (default, sport, tournament, event, market type) for the event in
 * view: what is set, a what-if preview of the prices a change would publish, then applying it.
 * Nothing changes for bettors until Apply; the preview publishes nothing.
 */
import { useState } from 'preact/hooks';
import { MARKET_DESCRIPTIONS } from '../../core/market-descriptions.ts';
import { ApiError } from '../shared/api.ts';
import { compareOdds } from '../shared/decimal.ts';
import { formatPercent } from '../shared/format.ts';
import { marketNames } from '../shared/names.ts';
import { usePolling } from '../shared/use-polling.ts';
import { enc, eventName, useDesk } from './context.ts';
import type { MarginEntry, MarginLevel, MarginPreview, TradingEvent } from './types.ts';

const LEVELS: readonly { level: MarginLevel; label: string }[] = [
  { level: 'event', label: 'Event' },
  { level: 'market-type', label: 'Market type' },
  { level: 'tournament', label: 'Tournament' },
  { level: 'sport', label: 'Sport' },
  { level: 'default', label: 'Default' },
];

const PREVIEW_ROWS = 200;

export function MarginEditor({ event, onApplied }: { event: TradingEvent | undefined; onApplied(): void }) {
  const { call, fixtures } = useDesk();
  const settings = usePolling((signal) => call<{ margins: MarginEntry[]; methods: string[] }>('/v1/trading/margins', { signal }), 5000, []);
  const [level, setLevel] = useState<MarginLevel>('event');
  const [marketType, setMarketType] = useState<string>('1');
  const [marginText, setMarginText] = useState('');
  const [method, setMethod] = useState('');
  const [preview, setPreview] = useState<MarginPreview | undefined>(undefined);
  const [message, setMessage] = useState<{ kind: 'ok' | 'error'; text: string } | undefined>(undefined);
  const [busy, setBusy] = useState(false);

  const key = keyFor(level, event, marketType);
  const current = settings.data?.margins.find((m) => m.level === level && (level === 'default' || m.key === key));
  const fallback = settings.data?.margins.find((m) => m.level === 'default');
  const margin = marginText.trim() === '' ? undefined : Number(marginText) / 100;
  const marginValid = margin === undefined || (Number.isFinite(margin) && margin >= 0 && margin <= 0.5);
  const proposal = { ...(margin !== undefined ? { margin } : {}), ...(method !== '' ? { method } : {}) };
  const ready = key !== undefined && marginValid && Object.keys(proposal).length > 0;
  const marketTypes = event ? [...new Set(event.markets.map((m) => m.marketId))].sort((a, b) => a - b) : [];

  async function run(action: () => Promise<void>): Promise<void> {
    setBusy(true);
    setMessage(undefined);
    try {
      await action();
    } catch (e) {
      setMessage({ kind: 'error', text: e instanceof ApiError ? `${e.code}: ${e.message}` : String(e) });
    } finally {
      setBusy(false);
    }
  }

  const showPreview = () =>
    run(async () => {
      setPreview(await call<MarginPreview>('/v1/trading/margins/preview', { method: 'POST', body: { level, ...(level === 'default' ? {} : { key }), ...proposal, limit: PREVIEW_ROWS } }));
    });

  const apply = () =>
    run(async () => {
      const path = level === 'default' ? '/v1/trading/margins/default' : `/v1/trading/margins/${level}/${enc(key!)}`;
      const body = level === 'default' ? { margin: margin ?? fallback?.margin, method: method || fallback?.method } : proposal;
      const result = await call<{ repriced: { events: number; markets: number } }>(path, { method: 'PUT', body });
      setPreview(undefined);
      setMarginText('');
      setMethod('');
      setMessage({ kind: 'ok', text: `Applied: ${result.repriced.markets} markets in ${result.repriced.events} events re-priced.` });
      settings.refresh();
      onApplied();
    });

  const remove = () =>
    run(async () => {
      await call(`/v1/trading/margins/${level}/${enc(key!)}`, { method: 'DELETE' });
      setMessage({ kind: 'ok', text: 'Setting removed: the level above applies again.' });
      setPreview(undefined);
      settings.refresh();
      onApplied();
    });

  return (
    <section class="margin-editor" aria-label="Margins">
      <div class="field-row">
        <label>
          <span>Level</span>
          <select
            name="level"
            value={level}
            onChange={(e) => {
              setLevel(e.currentTarget.value as MarginLevel);
              setPreview(undefined);
            }}
          >
            {LEVELS.map((l) => (
              <option key={l.level} value={l.level}>
                {l.label}
              </option>
            ))}
          </select>
        </label>
        {level === 'market-type' ? (
          <label>
            <span>Market type</span>
            <select name="marketType" value={marketType} onChange={(e) => setMarketType(e.currentTarget.value)}>
              {(marketTypes.length > 0 ? marketTypes : [...MARKET_DESCRIPTIONS.keys()]).map((id) => (
                <option key={id} value={String(id)}>
                  {MARKET_DESCRIPTIONS.get(id)?.name.replace(/\{[^}]+\}/g, '…') ?? `Market ${id}`} ({id})
                </option>
              ))}
            </select>
          </label>
        ) : null}
      </div>
      <p class="scope muted">{scopeText(level, key, event, fixtures)}</p>
      <p class="current">
        Now: <b>{current?.margin !== undefined ? formatPercent(current.margin) : 'not set'}</b>
        {current?.method ? ` · ${current.method}` : ''}
        {level !== 'default' && current === undefined && fallback ? <span class="muted"> (inherits; default {formatPercent(fallback.margin)})</span> : null}
        {level !== 'default' && current !== undefined ? (
          <button type="button" class="link" disabled={busy} onClick={() => void remove()}>
            remove
          </button>
        ) : null}
      </p>
      <div class="field-row">
        <label>
          <span>Margin %</span>
          <input name="margin" inputMode="decimal" placeholder="e.g. 7.5" value={marginText} class={marginValid ? '' : 'invalid'} onInput={(e) => setMarginText(e.currentTarget.value)} />
        </label>
        <label>
          <span>Method</span>
          <select name="method" value={method} onChange={(e) => setMethod(e.currentTarget.value)}>
            <option value="">(unchanged)</option>
            {(settings.data?.methods ?? []).map((m) => (
              <option key={m} value={m}>
                {m}
              </option>
            ))}
          </select>
        </label>
      </div>
      <div class="actions">
        <button type="button" disabled={!ready || busy} onClick={() => void showPreview()}>
          Preview
        </button>
        <button type="button" class="primary" disabled={!ready || busy || preview === undefined} onClick={() => void apply()}>
          Apply
        </button>
      </div>
      {message ? <p class={`notice ${message.kind}`}>{message.text}</p> : null}
      {preview ? <PreviewTable preview={preview} /> : null}
    </section>
  );
}

function PreviewTable({ preview }: { preview: MarginPreview }) {
  const { fixtures } = useDesk();
  if (preview.markets.length === 0) return <p class="notice">No market would change.</p>;
  const oneEvent = new Set(preview.markets.map((m) => m.eventId)).size === 1;
  return (
    <div class="preview" aria-label="Preview">
      <p class="muted">
        {preview.markets.length}
        {preview.truncated ? '+' : ''} markets would change{oneEvent ? ` in ${eventName(fixtures, preview.markets[0]!.eventId)}` : ''}:
      </p>
      <div class="table-scroll">
        <table>
          <thead>
            <tr>
              <th>Market</th>
              <th>Outcome</th>
              <th class="num">Now</th>
              <th class="num">New</th>
            </tr>
          </thead>
          {preview.markets.map((m) => {
            const names = marketNames(m.marketKey, fixtures.get(m.eventId)?.competitors);
            const ids = Object.keys(m.proposed.prices);
            return (
              <tbody key={`${m.eventId}#${m.marketKey}`} data-market={m.marketKey}>
                {ids.map((id, i) => {
                  const now = m.current.prices[id] ?? null;
                  const next = m.proposed.prices[id] ?? null;
                  const direction = now !== null && next !== null ? compareOdds(next, now) : 0;
                  return (
                    <tr key={id}>
                      {i === 0 ? (
                        <th rowSpan={ids.length} scope="rowgroup">
                          {names.name}
                          {oneEvent ? null : <span class="muted block">{eventName(fixtures, m.eventId)}</span>}
                          <span class="muted block">
                            overround {formatPercent(m.current.overround)} → {formatPercent(m.proposed.overround)}
                          </span>
                        </th>
                      ) : null}
                      <td>{names.outcome(id)}</td>
                      <td class="num">{now ?? '–'}</td>
                      <td class={`num proposed ${direction < 0 ? 'down' : direction > 0 ? 'up' : ''}`}>{next ?? '–'}</td>
                    </tr>
                  );
                })}
              </tbody>
            );
          })}
        </table>
      </div>
    </div>
  );
}

function keyFor(level: MarginLevel, event: TradingEvent | undefined, marketType: string): string | undefined {
  switch (level) {
    case 'default':
      return 'default';
    case 'sport':
      return event?.sportId;
    case 'tournament':
      return event?.tournamentId;
    case 'event':
      return event?.eventId;
    case 'market-type':
      return marketType;
  }
}

function scopeText(level: MarginLevel, key: string | undefined, event: TradingEvent | undefined, fixtures: ReturnType<typeof useDesk>['fixtures']): string {
  const fixture = event ? fixtures.get(event.eventId) : undefined;
  switch (level) {
    case 'default':
      return 'Every market without a more specific setting.';
    case 'sport':
      return key ? `Every ${fixture?.sport.name ?? key} market.` : 'Select an event to pick its sport.';
    case 'tournament':
      return key ? `Every market of ${fixture?.tournament.name ?? key}.` : 'Select an event to pick its tournament.';
    case 'event':
      return event ? `Every market of ${eventName(fixtures, event.eventId)}.` : 'Select an event.';
    case 'market-type':
      return `This market type in every event (outranks the event level).`;
  }
}
