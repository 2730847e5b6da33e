import type { LiabilityEntry, LiabilityLedger, ReserveResult } from '../../core/ports/liability-ledger.ts';
import { AppError } from '../../core/errors.ts';
import { RedisConnection, checkKeyPrefix, type RedisConnectionOptions } from '../redis/redis-connection.ts';
import { checkEntries, checkKey, checkReservationId, releasedId } from './liability-rules.ts';

export interface RedisLiabilityLedgerOptions extends RedisConnectionOptions {
  /** Prepended to every key, so several ledgers (one per currency, or test runs) share a Redis. Default 'sb:'. */
  readonly keyPrefix?: string;
  /** How long a released reservation id is remembered (and refused if reused). Default 7 days. */
  readonly releasedRetentionMs?: number;
}

/**
 * KEYS[1] the totals hash, KEYS[2] the reservation. ARGV[1] n, then n triples (key, amount,
 * limit) as decimal strings. A reservation is stored as JSON {s:'held', e:{key: amount}} with
 * amounts kept as strings (cjson would print large numbers with 14 digits).
 * Returns {'reserved'}, {'existing'}, {'released'} or {'exceeded', key, current, increase}.
 */
const RESERVE_LUA = `
local raw = redis.call('GET', KEYS[2])
local old = {}
local existed = false
if raw then
  local r = cjson.decode(raw)
  if r.s == 'released' then return {'released'} end
  old = r.e
  existed = true
end
local n = tonumber(ARGV[1])
local wanted = {}
local same = existed
for i = 0, n - 1 do
  local key = ARGV[2 + 3 * i]
  local amount = ARGV[3 + 3 * i]
  wanted[key] = amount
  local before = tonumber(old[key] or '0')
  if before ~= tonumber(amount) then same = false end
  local increase = tonumber(amount) - before
  if increase > 0 then
    local current = tonumber(redis.call('HGET', KEYS[1], key) or '0')
    if current + increase > tonumber(ARGV[4 + 3 * i]) then
      return {'exceeded', key, current, increase}
    end
  end
end
for key, _ in pairs(old) do
  if wanted[key] == nil then same = false end
end
if same then return {'existing'} end
for key, amount in pairs(old) do
  local left = redis.call('HINCRBY', KEYS[1], key, -tonumber(amount))
  if left == 0 then redis.call('HDEL', KEYS[1], key) end
end
for key, amount in pairs(wanted) do
  redis.call('HINCRBY', KEYS[1], key, amount)
end
redis.call('SET', KEYS[2], cjson.encode({s = 'held', e = wanted}))
return {'reserved'}
`;

/** KEYS as above; ARGV[1] how long to remember the released id (ms). Returns 1 if it released. */
const RELEASE_LUA = `
local raw = redis.call('GET', KEYS[2])
if not raw then return 0 end
local r = cjson.decode(raw)
if r.s == 'released' then return 0 end
for key, amount in pairs(r.e) do
  local left = redis.call('HINCRBY', KEYS[1], key, -tonumber(amount))
  if left == 0 then redis.call('HDEL', KEYS[1], key) end
end
redis.call('SET', KEYS[2], '{"s":"released"}', 'PX', ARGV[1])
return 1
`;

/**
 * The LiabilityLedger on Redis, shared by every acceptor replica.
 *
 * Keys: the hash `<prefix>liab:{ledger}:totals` (field per key, integer minor units) and one
 * string per reservation `<prefix>liab:{ledger}:r:<id>`. Every key carries the same hash tag, so
 * the scripts that read and write several of them stay in one Redis Cluster slot (one shard holds
 * the whole ledger: a few hundred bytes per open outcome, well within one node). reserve() and
 * release() are each one Lua script, hence atomic against every other client.
 *
 * A reserve() that timed out may have been booked: retrying it with the same id and amounts is
 * safe (it answers `existing`). Connection faults are DEPENDENCY_UNAVAILABLE (retriable).
 */
export class RedisLiabilityLedger implements LiabilityLedger {
  private readonly connection: RedisConnection;
  private readonly prefix: string;
  private readonly releasedRetentionMs: number;
  private readonly reserveScript: (...args: Array<string | number>) => Promise<unknown>;
  private readonly releaseScript: (...args: Array<string | number>) => Promise<unknown>;
  private closed = false;

  constructor(options: RedisLiabilityLedgerOptions) {
    this.prefix = checkKeyPrefix(options.keyPrefix ?? 'sb:', 'liability ledger');
    this.releasedRetentionMs = options.releasedRetentionMs ?? 7 * 86_400_000;
    this.connection = new RedisConnection('liability ledger', options);
    this.reserveScript = this.connection.script('sbLiabilityReserve', RESERVE_LUA, 2);
    this.releaseScript = this.connection.script('sbLiabilityRelease', RELEASE_LUA, 2);
  }

  async reserve(reservationId: string, entries: readonly LiabilityEntry[]): Promise<ReserveResult> {
    this.assertOpen();
    const id = checkReservationId(reservationId);
    const wanted = checkEntries(entries);
    const args = wanted.flatMap((e) => [e.key, e.amount.toString(), e.limit.toString()]);
    const reply = (await this.reserveScript(this.totalsKey(), this.reservationKey(id), wanted.length, ...args)) as [string, ...unknown[]];
    switch (reply[0]) {
      case 'reserved':
        return { status: 'reserved', existing: false };
      case 'existing':
        return { status: 'reserved', existing: true };
      case 'released':
        throw releasedId(id);
      case 'exceeded': {
        const key = String(reply[1]);
        const limit = wanted.find((e) => e.key === key)!.limit;
        return { status: 'exceeded', key, current: BigInt(reply[2] as number), limit, increase: BigInt(reply[3] as number) };
      }
      default:
        throw new AppError('INTERNAL', `liability ledger: unexpected script reply ${JSON.stringify(reply)}`);
    }
  }

  async release(reservationId: string): Promise<boolean> {
    this.assertOpen();
    const id = checkReservationId(reservationId);
    return (await this.releaseScript(this.totalsKey(), this.reservationKey(id), this.releasedRetentionMs)) === 1;
  }

  async current(key: string): Promise<bigint> {
    this.assertOpen();
    const value = await this.connection.call(() => this.connection.client.hget(this.totalsKey(), checkKey(key)));
    return value === null ? 0n : BigInt(value);
  }

  health(): Promise<{ ok: boolean; detail?: string }> {
    return this.closed ? Promise.resolve({ ok: false, detail: 'closed' }) : this.connection.ping();
  }

  /** Later calls fail with SHUTTING_DOWN; the connection is closed only if the ledger opened it. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.connection.close();
  }

  private totalsKey(): string {
    return `${this.prefix}liab:{ledger}:totals`;
  }

  private reservationKey(id: string): string {
    return `${this.prefix}liab:{ledger}:r:${id}`;
  }

  private assertOpen(): void {
    if (this.closed) throw new AppError('SHUTTING_DOWN', 'the liability ledger is closed');
  }
}
