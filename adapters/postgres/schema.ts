/**
 * The tables of the PostgreSQL adapters, as migrations (migrations.ts applies them). Money is
 * BIGINT minor units; times are BIGINT ms (UTC) from the adapters' Clock, so tests are exact.
 * Ledger postings and bet status history are append-only: triggers refuse UPDATE, DELETE and
 * TRUNCATE, whoever connects.
 */
import type { Migration } from './migrations.ts';

const appendOnly = (t: (name: string) => string, table: string): string => `
  CREATE FUNCTION ${t(`${table}_append_only`)}() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    RAISE EXCEPTION '${table} is append-only: % refused', TG_OP;
  END
  $$;
  CREATE TRIGGER ${table}_no_change BEFORE UPDATE OR DELETE ON ${t(table)}
    FOR EACH ROW EXECUTE FUNCTION ${t(`${table}_append_only`)}();
  CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${t(table)}
    FOR EACH STATEMENT EXECUTE FUNCTION ${t(`${table}_append_only`)}();
`;

const wallet: Migration = {
  version: 1,
  name: 'wallet ledger',
  sql: (t) => `
    CREATE TABLE ${t('wallet_accounts')} (
      player text PRIMARY KEY,
      currency text NOT NULL,
      available bigint NOT NULL DEFAULT 0,
      held bigint NOT NULL DEFAULT 0 CHECK (held >= 0),
      opened_at_ms bigint NOT NULL
    );

    -- One row per idempotency key, claimed first in every mutating transaction: a concurrent call
    -- with the same key waits on this primary key, then reads the stored result.
    CREATE TABLE ${t('wallet_requests')} (
      key text PRIMARY KEY,
      fingerprint text NOT NULL,
      result jsonb,
      at_ms bigint NOT NULL
    );

    CREATE TABLE ${t('wallet_holds')} (
      bet_id text PRIMARY KEY,
      hold_id bigserial NOT NULL UNIQUE,
      player text NOT NULL REFERENCES ${t('wallet_accounts')} (player),
      amount bigint NOT NULL CHECK (amount > 0),
      currency text NOT NULL,
      status text NOT NULL CHECK (status IN ('pending', 'posted', 'voided')),
      payout bigint CHECK (payout >= 0),
      created_at_ms bigint NOT NULL,
      updated_at_ms bigint NOT NULL,
      CHECK ((status = 'posted') = (payout IS NOT NULL))
    );
    CREATE INDEX wallet_holds_pending ON ${t('wallet_holds')} (player) WHERE status = 'pending';

    CREATE SEQUENCE ${t('wallet_journal_seq')};

    CREATE TABLE ${t('wallet_postings')} (
      id bigserial PRIMARY KEY,
      journal_id bigint NOT NULL,
      player text NOT NULL,
      account text NOT NULL CHECK (account IN ('available', 'held', 'house', 'cashier')),
      kind text NOT NULL CHECK (kind IN ('deposit', 'hold', 'release', 'stake', 'payout', 'stake_reversal', 'payout_reversal')),
      amount bigint NOT NULL CHECK (amount <> 0),
      currency text NOT NULL,
      bet_id text,
      key text NOT NULL,
      at_ms bigint NOT NULL
    );
    CREATE INDEX wallet_postings_by_player ON ${t('wallet_postings')} (player, id);
    CREATE INDEX wallet_postings_by_bet ON ${t('wallet_postings')} (bet_id, id) WHERE bet_id IS NOT NULL;
    ${appendOnly(t, 'wallet_postings')}
  `,
};

const bets: Migration = {
  version: 2,
  name: 'bets of record',
  sql: (t) => `
    -- Bet ids use the "C" collation: byte order, the same in every database and in memory.
    CREATE TABLE ${t('bets')} (
      bet_id text COLLATE "C" PRIMARY KEY,
      player text NOT NULL,
      stake bigint NOT NULL CHECK (stake > 0),
      currency text NOT NULL,
      placed_at_ms bigint NOT NULL,
      trace_id text,
      status text NOT NULL CHECK (status IN ('open', 'settled', 'cancelled')),
      payout bigint CHECK (payout >= 0),
      version integer NOT NULL,
      -- What the bet is (player, stake, legs), to tell a retried insert from a reused id.
      fingerprint text NOT NULL,
      CHECK ((status = 'settled') = (payout IS NOT NULL))
    );
    CREATE INDEX bets_by_player ON ${t('bets')} (player, placed_at_ms DESC, bet_id DESC);

    CREATE TABLE ${t('bet_legs')} (
      bet_id text COLLATE "C" NOT NULL REFERENCES ${t('bets')} (bet_id),
      leg smallint NOT NULL,
      event_id text NOT NULL,
      market_key text NOT NULL,
      outcome_id text NOT NULL,
      odds text NOT NULL,
      price_epoch text NOT NULL,
      price_seq bigint NOT NULL,
      result jsonb,
      PRIMARY KEY (bet_id, leg)
    );
    -- Settlement's lookup: the bets on one market, in bet id order.
    CREATE INDEX bet_legs_by_market ON ${t('bet_legs')} (event_id, market_key, bet_id);

    CREATE TABLE ${t('bet_status_history')} (
      bet_id text COLLATE "C" NOT NULL REFERENCES ${t('bets')} (bet_id),
      version integer NOT NULL,
      from_status text,
      to_status text NOT NULL,
      reason text NOT NULL,
      detail text,
      payout bigint,
      leg_results jsonb,
      at_ms bigint NOT NULL,
      PRIMARY KEY (bet_id, version)
    );
    ${appendOnly(t, 'bet_status_history')}
  `,
};

const marketResults: Migration = {
  version: 3,
  name: 'settlement market results',
  sql: (t) => `
    -- Settlement's view of each market's result (core/ports/market-result-store.ts): the state as
    -- JSON, written with an optimistic version check.
    CREATE TABLE ${t('settlement_market_results')} (
      event_id text COLLATE "C" NOT NULL,
      market_key text COLLATE "C" NOT NULL,
      state jsonb NOT NULL,
      version integer NOT NULL CHECK (version > 0),
      updated_at_ms bigint NOT NULL,
      PRIMARY KEY (event_id, market_key)
    );
  `,
};

/** Every migration of the project's PostgreSQL schema, in order. */
export const MIGRATIONS: readonly Migration[] = [wallet, bets, marketResults];
