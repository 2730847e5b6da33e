/**
 * A market's published prices over time (GET /v1/trading/reports/price-history), one step line
 * per outcome on a log scale (a move from 1.50 to 1.65 reads as large as one from 3.0 to 3.3).
 * A gap is a time the outcome was not offered.
 */
import { formatClock } from '../shared/format.ts';
import { marketNames } from '../shared/names.ts';
import { usePolling } from '../shared/use-polling.ts';
import { enc, eventName, useDesk } from './context.ts';
import type { PricePoint } from './types.ts';

const WIDTH = 640;
const HEIGHT = 220;
const PAD = { left: 44, right: 12, top: 12, bottom: 24 };
const COLORS = ['#4da3ff', '#f5b942', '#c084fc', '#34d399', '#fb7185', '#94a3b8'];

export function PriceChart({ eventId, marketKey, onClose }: { eventId: string; marketKey: string; onClose(): void }) {
  const { call, fixtures } = useDesk();
  const history = usePolling(
    (signal) => call<{ points: PricePoint[] }>(`/v1/trading/reports/price-history?eventId=${enc(eventId)}&marketKey=${enc(marketKey)}&limit=600`, { signal }),
    3000,
    [eventId, marketKey],
  );
  const names = marketNames(marketKey, fixtures.get(eventId)?.competitors);
  const points = history.data?.points ?? [];
  return (
    <section class="price-chart" aria-label="Price history" data-market={marketKey}>
      <header class="panel-header">
        <h2>
          Price history · {names.name} <span class="muted">{eventName(fixtures, eventId)}</span>
        </h2>
        <button type="button" class="small" onClick={onClose}>
          Close
        </button>
      </header>
      {history.error ? <p class="notice error">{history.error.message}</p> : null}
      {points.length === 0 ? <p class="empty">{history.data ? 'No prices recorded yet.' : 'Loading…'}</p> : <Chart points={points} outcomeName={names.outcome} />}
    </section>
  );
}

function Chart({ points, outcomeName }: { points: readonly PricePoint[]; outcomeName(id: string): string }) {
  const priced = points.filter((p) => p.price !== null).map((p) => Number(p.price));
  const t0 = points[0]!.ts;
  // The chart runs to now: the last price still holds.
  const t1 = Math.max(points[points.length - 1]!.ts, Date.now(), t0 + 1000);
  let lo = Math.log(Math.min(...priced));
  let hi = Math.log(Math.max(...priced));
  if (hi - lo < 0.05) {
    lo -= 0.05;
    hi += 0.05;
  }
  const x = (ts: number) => PAD.left + ((ts - t0) / (t1 - t0)) * (WIDTH - PAD.left - PAD.right);
  const y = (price: number) => PAD.top + (1 - (Math.log(price) - lo) / (hi - lo)) * (HEIGHT - PAD.top - PAD.bottom);

  const outcomes = [...new Set(points.map((p) => p.outcomeId))];
  const yTicks = Array.from({ length: 5 }, (_, i) => Math.exp(lo + ((hi - lo) * i) / 4));
  const xTicks = Array.from({ length: 4 }, (_, i) => t0 + ((t1 - t0) * i) / 3);

  return (
    <figure class="chart">
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label="Published prices over time">
        {yTicks.map((v) => (
          <g key={v}>
            <line class="grid" x1={PAD.left} x2={WIDTH - PAD.right} y1={y(v)} y2={y(v)} />
            <text class="axis" x={PAD.left - 6} y={y(v) + 4} text-anchor="end">
              {v >= 10 ? v.toFixed(1) : v.toFixed(2)}
            </text>
          </g>
        ))}
        {xTicks.map((t, i) => (
          <text key={t} class="axis" x={x(t)} y={HEIGHT - 6} text-anchor={i === 0 ? 'start' : i === xTicks.length - 1 ? 'end' : 'middle'}>
            {formatClock(t)}
          </text>
        ))}
        {outcomes.map((id, i) => (
          <path key={id} class="series" d={stepPath(points.filter((p) => p.outcomeId === id), x, y, t1)} stroke={COLORS[i % COLORS.length]} />
        ))}
      </svg>
      <figcaption class="legend">
        {outcomes.map((id, i) => {
          const last = [...points].reverse().find((p) => p.outcomeId === id);
          return (
            <span key={id}>
              <i style={{ background: COLORS[i % COLORS.length] }} /> {outcomeName(id)} <b>{last?.price ?? '–'}</b>
            </span>
          );
        })}
      </figcaption>
    </figure>
  );
}

/** Horizontal to the next change, then vertical; a point without a price ends the line. */
function stepPath(points: readonly PricePoint[], x: (ts: number) => number, y: (price: number) => number, end: number): string {
  let d = '';
  let previous: number | undefined;
  for (const p of points) {
    if (p.price === null) {
      if (previous !== undefined) d += ` H${x(p.ts).toFixed(1)}`;
      previous = undefined;
      continue;
    }
    const py = y(Number(p.price)).toFixed(1);
    d += previous === undefined ? ` M${x(p.ts).toFixed(1)},${py}` : ` H${x(p.ts).toFixed(1)} V${py}`;
    previous = Number(p.price);
  }
  if (previous !== undefined) d += ` H${x(end).toFixed(1)}`;
  return d.trim();
}
