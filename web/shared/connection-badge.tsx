/** The connection state where a user looks first: the top bar. */
import type { ConnectionState } from './push-client.ts';

const LABELS: Readonly<Record<ConnectionState, string>> = {
  connecting: 'Connecting…',
  live: 'Live',
  reconnecting: 'Reconnecting…',
  stale: 'Prices may be stale',
};

export function ConnectionBadge({ state }: { state: ConnectionState }) {
  return (
    <span class={`connection connection-${state}`} role="status" aria-live="polite" data-state={state}>
      <span class="connection-dot" aria-hidden="true" />
      {LABELS[state]}
    </span>
  );
}
