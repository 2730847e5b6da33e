/**
 * The PriceBook port's contract (core/ports/price-book.ts), run against every implementation. A
 * suite file calls `priceBookContract(name, factory)`; the factory gives a fresh book, a second
 * client of the same store (another process's view) and what it needs to clean up. Event ids are
 * unique per test, so one store can serve every test.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { PricedMarket } from '../../core/contracts/odds.ts';
import { isAppError } from '../../core/errors.ts';
import type { PriceBook, PriceBookUpdate } from '../../core/ports/price-book.ts';

export interface PriceBookUnderTest {
  readonly book: PriceBook;
  /** A second client of the same store; the same object in memory. */
  readonly peer: PriceBook;
  cleanup(): Promise<void>;
}

export interface PriceBookContractOptions {
  readonly skip?: string | false;
}

let counter = 0;
/** A fresh event URN for each call, unique across runs too. */
function freshEventId(): string {
  counter += 1;
  return `sr:match:${Date.now()}${String(counter).padStart(5, '0')}`;
}

/** A two-way market whose every version field is `version`; `price` tells updates apart. */
function market(marketKey: string, version: number, price = '1.90'): PricedMarket {
  const slash = marketKey.indexOf('/');
  return {
    marketKey,
    marketId: Number(slash < 0 ? marketKey : marketKey.slice(0, slash)),
    specifiers: slash < 0 ? '' : marketKey.slice(slash + 1),
    state: 'open',
    suspensions: [],
    outcomes: [
      { outcomeId: '12', price, active: true, version, fair: 0.4871, providerOdds: 1.97 },
      { outcomeId: '13', price: '1.95', active: true, version },
    ],
    producer: 1,
    margin: 0.05,
    overround: 1.0391,
    version,
  };
}

function update(eventId: string, epoch: string, seq: number, markets: PricedMarket[], extra: Partial<PriceBookUpdate> = {}): PriceBookUpdate {
  return { eventId, epoch, seq, ts: 1_763_800_000_000 + seq, sportId: 'sr:sport:1', markets, ...extra };
}

const byKey = (a: PricedMarket, b: PricedMarket) => a.marketKey.localeCompare(b.marketKey);

export function priceBookContract(name: string, factory: () => Promise<PriceBookUnderTest>, options: PriceBookContractOptions = {}): void {
  describe(`PriceBook contract: ${name}`, { skip: options.skip ?? false }, () => {
    let sut: PriceBookUnderTest;
    before(async () => {
      sut = await factory();
    });
    after(async () => {
      await sut?.cleanup();
    });

    async function keys(eventId: string): Promise<string[]> {
      const book = await sut.book.getEvent(eventId);
      return (book?.markets ?? []).map((m) => m.marketKey).sort();
    }

    test('what apply() stores, getEvent and getMarket return, on every client', async () => {
      const id = freshEventId();
      const markets = [market('1', 1), market('18/total=2.5', 1), market('16/hcp=-1', 1, '2.10')];
      assert.equal(await sut.book.apply(update(id, 'e1', 1, markets)), true);

      for (const client of [sut.book, sut.peer]) {
        const book = await client.getEvent(id);
        assert.ok(book);
        assert.deepEqual(
          { ...book, markets: [...book.markets].sort(byKey) },
          { eventId: id, epoch: 'e1', seq: 1, ts: 1_763_800_000_001, sportId: 'sr:sport:1', markets: [...markets].sort(byKey) },
        );
        assert.deepEqual(await client.getMarket(id, '16/hcp=-1'), { eventId: id, epoch: 'e1', seq: 1, market: markets[2] });
      }
      assert.equal(await sut.book.getMarket(id, '999'), undefined, 'unknown market');
      assert.equal(await sut.book.getMarket(freshEventId(), '1'), undefined, 'unknown event');
      assert.equal(await sut.book.getEvent(freshEventId()), undefined, 'unknown event');
    });

    test('neither the update passed in nor a value read can change what is stored', async () => {
      const id = freshEventId();
      const input = market('1', 1) as { -readonly [K in keyof PricedMarket]: PricedMarket[K] };
      const expected = structuredClone(input);
      await sut.book.apply(update(id, 'e1', 1, [input]));
      input.state = 'suspended';
      (input.outcomes as unknown as Array<{ price?: string }>)[0]!.price = '9.00';

      const view = await sut.book.getMarket(id, '1');
      assert.ok(view);
      assert.deepEqual(view.market, expected);
      const attempts = [
        () => ((view.market as { state: string }).state = 'closed'),
        () => ((view.market.outcomes as unknown as Array<{ price?: string }>)[0]!.price = '9.00'),
        () => (view.market.outcomes as unknown[]).pop(),
      ];
      for (const attempt of attempts) {
        try {
          attempt();
        } catch {
          // A frozen value refuses the change; a copy takes it. Either way the store keeps its own.
        }
      }
      const book = await sut.book.getEvent(id);
      try {
        (book!.markets as unknown[]).length = 0;
      } catch {
        // as above
      }
      assert.deepEqual((await sut.book.getMarket(id, '1'))?.market, expected);
      assert.deepEqual((await sut.peer.getEvent(id))?.markets, [expected]);
    });

    test('atomic per event: a reader never sees markets of one seq with the seq of another', async () => {
      // Every apply rewrites every market with version = seq, and turns one market over (drops
      // the previous one, adds a new one). A book that wrote meta and markets apart would let a
      // reader see a version above or below the seq, or a market count other than six.
      const id = freshEventId();
      const fixed = ['1', '18/total=2.5', '18/total=3.5', '16/hcp=-1', '16/hcp=1'];
      const marketsAt = (seq: number) => [...fixed.map((k) => market(k, seq, `${1 + (seq % 90) / 100}`)), market(`26/n=${seq}`, seq)];
      const applies = 300;
      await sut.book.apply(update(id, 'e1', 1, marketsAt(1)));

      let writing = true;
      const seen = new Set<number>();
      let reads = 0;
      const reader = async (client: PriceBook) => {
        while (writing) {
          const view = await client.getMarket(id, '18/total=3.5');
          assert.ok(view);
          assert.equal(view.market.version, view.seq, 'getMarket: market version equals the seq read with it');
          assert.ok(view.market.outcomes.every((o) => o.version === view.seq));
          const book = await client.getEvent(id);
          assert.ok(book);
          assert.equal(book.markets.length, 6, `getEvent at seq ${book.seq}: six markets`);
          for (const m of book.markets) assert.equal(m.version, book.seq, `getEvent: ${m.marketKey} version equals the seq`);
          assert.ok(book.markets.some((m) => m.marketKey === `26/n=${book.seq}`), 'the turned-over market belongs to the seq');
          seen.add(view.seq).add(book.seq);
          reads += 2;
        }
      };
      let failure: unknown;
      // Handled at once, so a reader's failure stops the writer instead of going unhandled.
      const readers = Promise.all([reader(sut.peer), reader(sut.peer), reader(sut.book)]).catch((error: unknown) => {
        failure ??= error;
      });
      try {
        for (let seq = 2; seq <= applies && failure === undefined; seq++) {
          const applied = await sut.book.apply(update(id, 'e1', seq, marketsAt(seq), { removed: [`26/n=${seq - 1}`] }));
          assert.equal(applied, true);
        }
      } finally {
        writing = false;
        await readers;
      }
      if (failure !== undefined) throw failure;
      assert.ok(seen.size >= 10, `readers interleaved with the writer (saw ${seen.size} seqs in ${reads} reads)`);
      assert.equal((await sut.peer.getEvent(id))?.seq, applies);
    });

    test('monotonic within an epoch: stale and duplicate seqs are ignored and return false', async () => {
      const id = freshEventId();
      assert.equal(await sut.book.apply(update(id, 'e1', 5, [market('1', 5), market('2', 5)])), true);
      assert.equal(await sut.book.apply(update(id, 'e1', 5, [market('1', 5, '3.00')])), false, 'duplicate');
      assert.equal(await sut.book.apply(update(id, 'e1', 4, [market('1', 4, '3.00')], { replace: true })), false, 'stale');
      assert.equal(await sut.peer.apply(update(id, 'e1', 3, [], { removed: ['2'] })), false, 'stale from another client');
      let book = await sut.book.getEvent(id);
      assert.equal(book?.seq, 5);
      assert.deepEqual([...(book?.markets ?? [])].sort(byKey), [market('1', 5), market('2', 5)]);

      assert.equal(await sut.book.apply(update(id, 'e1', 9, [market('2', 9, '2.50')])), true, 'a gap is fine');
      book = await sut.book.getEvent(id);
      assert.equal(book?.seq, 9);
      assert.equal(book?.ts, 1_763_800_000_009);
      assert.deepEqual([...(book?.markets ?? [])].sort(byKey), [market('1', 5), market('2', 9, '2.50')], 'markets not in the update stay');
    });

    test('a new epoch replaces the whole state, whatever its seq', async () => {
      const id = freshEventId();
      await sut.book.apply(update(id, 'e1', 40, [market('1', 40), market('2', 40), market('3', 40)]));
      assert.equal(await sut.book.apply(update(id, 'e2', 1, [market('2', 1, '1.50')])), true);
      const book = await sut.peer.getEvent(id);
      assert.equal(book?.epoch, 'e2');
      assert.equal(book?.seq, 1);
      assert.deepEqual(book?.markets, [market('2', 1, '1.50')]);
      assert.equal(await sut.peer.getMarket(id, '1'), undefined);
      assert.equal(await sut.book.apply(update(id, 'e2', 1, [market('1', 1)])), false, 'the new epoch is monotonic too');
    });

    test('replace=true drops the markets it does not list', async () => {
      const id = freshEventId();
      await sut.book.apply(update(id, 'e1', 1, [market('1', 1), market('2', 1), market('3', 1)]));
      assert.equal(await sut.book.apply(update(id, 'e1', 2, [market('3', 2), market('4', 2)], { replace: true })), true);
      assert.deepEqual(await keys(id), ['3', '4']);
      assert.equal((await sut.book.getMarket(id, '1')), undefined);
    });

    test('removed keys are no longer offered; unknown ones are harmless', async () => {
      const id = freshEventId();
      await sut.book.apply(update(id, 'e1', 1, [market('1', 1), market('2', 1), market('3', 1)]));
      assert.equal(await sut.book.apply(update(id, 'e1', 2, [market('3', 2)], { removed: ['1', 'no-such-market'] })), true);
      assert.deepEqual(await keys(id), ['2', '3']);
      assert.equal(await sut.peer.getMarket(id, '1'), undefined);
      assert.equal((await sut.peer.getMarket(id, '3'))?.seq, 2);
    });

    test('large updates are stored whole (1,500 markets, then 1,200 removals)', async () => {
      const id = freshEventId();
      const all = Array.from({ length: 1500 }, (_, i) => market(`18/total=${i}.5`, 1));
      assert.equal(await sut.book.apply(update(id, 'e1', 1, all)), true);
      assert.equal((await sut.peer.getEvent(id))?.markets.length, 1500);
      const removed = all.slice(0, 1200).map((m) => m.marketKey);
      assert.equal(await sut.book.apply(update(id, 'e1', 2, [market('1', 2)], { removed })), true);
      const left = await keys(id);
      assert.equal(left.length, 301);
      assert.ok(left.includes('1') && left.includes('18/total=1499.5') && !left.includes('18/total=0.5'));
    });

    test('an update without sportId keeps the sport; one without markets still moves the seq', async () => {
      const id = freshEventId();
      await sut.book.apply(update(id, 'e1', 1, [market('1', 1)]));
      await sut.book.apply({ eventId: id, epoch: 'e1', seq: 2, ts: 7, markets: [] });
      const book = await sut.peer.getEvent(id);
      assert.deepEqual({ ...book, markets: book?.markets.length }, { eventId: id, epoch: 'e1', seq: 2, ts: 7, sportId: 'sr:sport:1', markets: 1 });

      const noSport = freshEventId();
      await sut.book.apply({ eventId: noSport, epoch: 'e1', seq: 1, ts: 7, markets: [] });
      const listed = (await sut.peer.listEvents()).find((e) => e.eventId === noSport);
      assert.deepEqual(listed, { eventId: noSport, epoch: 'e1', seq: 1 });
    });

    test('remove() deletes an event; it may start again later from any seq', async () => {
      const id = freshEventId();
      const other = freshEventId();
      await sut.book.apply(update(id, 'e1', 7, [market('1', 7)]));
      await sut.book.apply(update(other, 'e1', 7, [market('1', 7)]));
      await sut.peer.remove(id);
      assert.equal(await sut.book.getEvent(id), undefined);
      assert.equal(await sut.book.getMarket(id, '1'), undefined);
      assert.equal((await sut.book.listEvents()).some((e) => e.eventId === id), false);
      assert.equal((await sut.book.getEvent(other))?.seq, 7, 'other events untouched');
      await sut.book.remove(id);
      await sut.book.remove(freshEventId());
      assert.equal(await sut.book.apply(update(id, 'e1', 1, [market('2', 1)])), true);
      assert.deepEqual(await keys(id), ['2']);
    });

    test('listEvents gives every event with its epoch, seq and sport', async () => {
      const ids = [freshEventId(), freshEventId(), freshEventId()];
      await sut.book.apply(update(ids[0]!, 'a', 3, [market('1', 3)]));
      await sut.book.apply(update(ids[1]!, 'b', 1, [], { sportId: 'sr:sport:5' }));
      await sut.peer.apply(update(ids[2]!, 'c', 2, [market('1', 2)]));
      const listed = (await sut.peer.listEvents()).filter((e) => ids.includes(e.eventId));
      assert.deepEqual(
        [...listed].sort((x, y) => x.eventId.localeCompare(y.eventId)),
        [
          { eventId: ids[0], epoch: 'a', seq: 3, sportId: 'sr:sport:1' },
          { eventId: ids[1], epoch: 'b', seq: 1, sportId: 'sr:sport:5' },
          { eventId: ids[2], epoch: 'c', seq: 2, sportId: 'sr:sport:1' },
        ].sort((x, y) => x.eventId!.localeCompare(y.eventId!)),
      );
    });

    test('events are isolated: many at once, each keeps its own state', async () => {
      const ids = Array.from({ length: 40 }, freshEventId);
      await Promise.all(
        ids.map((id, i) => (i % 2 ? sut.peer : sut.book).apply(update(id, `e${i}`, i + 1, [market('1', i + 1, `${2 + i / 100}`), market(`2/n=${i}`, i + 1)]))),
      );
      await Promise.all(ids.filter((_, i) => i % 4 === 0).map((id) => sut.book.apply(update(id, 'x', 1, [market('9', 1)], { replace: true }))));
      await sut.book.remove(ids[1]!);
      for (const [i, id] of ids.entries()) {
        const book = await sut.peer.getEvent(id);
        if (i === 1) assert.equal(book, undefined);
        else if (i % 4 === 0) assert.deepEqual({ epoch: book?.epoch, seq: book?.seq, keys: await keys(id) }, { epoch: 'x', seq: 1, keys: ['9'] });
        else {
          assert.deepEqual({ epoch: book?.epoch, seq: book?.seq, keys: await keys(id) }, { epoch: `e${i}`, seq: i + 1, keys: ['1', `2/n=${i}`] });
          assert.equal((await sut.book.getMarket(id, '1'))?.market.outcomes[0]?.price, `${2 + i / 100}`);
        }
      }
    });

    test('concurrent appliers with interleaved seqs end at the highest seq', async () => {
      const id = freshEventId();
      const last = 80;
      // A fixed shuffle: seqs arrive out of order, half through each client, all in flight at once.
      const order = Array.from({ length: last }, (_, i) => ((i * 37) % last) + 1);
      const results = await Promise.all(
        order.map((seq, i) => (i % 2 ? sut.peer : sut.book).apply(update(id, 'e1', seq, [market('1', seq), market(`2/n=${seq}`, seq)]))),
      );
      assert.equal(results[order.indexOf(last)], true, 'the highest seq is always taken');
      const book = await sut.book.getEvent(id);
      assert.equal(book?.seq, last);
      assert.equal((await sut.peer.getMarket(id, '1'))?.market.version, last);
      // Markets of applies that were taken accumulate; every stored one is no newer than the seq.
      assert.ok(book?.markets.every((m) => m.version <= last));
      assert.equal(book?.markets.filter((m) => m.marketKey.startsWith('2/')).length, results.filter(Boolean).length);
    });

    test('refuses bad updates and, once closed, all work', async () => {
      const id = freshEventId();
      for (const bad of [
        update('not-a-urn', 'e1', 1, []),
        update(id, '', 1, []),
        update(id, 'e1', 1.5, []),
        update(id, 'e1', Number.NaN, []),
        update(id, 'e1', 1, [{ marketKey: '' } as PricedMarket]),
      ]) {
        await assert.rejects(sut.book.apply(bad), (e) => isAppError(e) && e.code === 'INVALID_REQUEST');
      }
      assert.equal(await sut.book.getEvent(id), undefined, 'nothing stored');

      const extra = await factory();
      await extra.book.apply(update(id, 'e1', 1, []));
      await extra.book.close();
      const closed = (e: unknown) => isAppError(e) && e.code === 'SHUTTING_DOWN';
      await assert.rejects(extra.book.apply(update(id, 'e1', 2, [])), closed);
      await assert.rejects(extra.book.getEvent(id), closed);
      await assert.rejects(extra.book.getMarket(id, '1'), closed);
      await assert.rejects(extra.book.listEvents(), closed);
      await assert.rejects(extra.book.remove(id), closed);
      await extra.book.close();
      await extra.cleanup();
    });
  });
}
