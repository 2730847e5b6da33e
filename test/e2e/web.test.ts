/**
 * The two pages in a real browser: Debian's Chromium driven by playwright-core, against the whole
 * embedded app in this process (simulator → feed-ingest → odds engine → push gateway → pages;
 * bets → acceptor → settlement). The simulator plays fast so a match ends within the test.
 *
 * Checked as a bettor and a trader would see it: prices update in place; a bet from the slip is
 * accepted after the in-play delay and the balance drops; a margin raised in the console (after a
 * preview) lowers the bettor's prices within a second; a market the trader suspends is locked on
 * the bettor page and a bet on it is rejected with the reason; a settled bet shows its payout.
 * Screenshots of both pages at a desktop and a phone width go to test-artifacts/web/.
 *
 * Needs /usr/bin/chromium (TEST_CHROMIUM_PATH to override): `npm test` installs it; without it the
 * suite is skipped, except with CI=true.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Locator, type Page } from 'playwright-core';
import { SystemClock } from '../../adapters/clock/system-clock.ts';
import { createApp, type App } from '../../app/compose.ts';
import { loadConfig } from '../../app/config.ts';
import { silentLogger } from '../../core/ports/logger.ts';
import { createMatchSimulator } from '../../feed-ingest/simulator/simulator.ts';
import { waitFor } from '../support/wait.ts';

const CHROMIUM = process.env.TEST_CHROMIUM_PATH ?? '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'web');
const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };
const FOOTBALL = 'sr:sport:1';

function chromiumMissing(): string | false {
  if (existsSync(CHROMIUM)) return false;
  const reason = `no Chromium at ${CHROMIUM} (npm test installs Debian's chromium)`;
  if (process.env.CI === 'true') throw new Error(`${reason}; in CI a missing browser is a failure`);
  return reason;
}

describe('web pages in Chromium', { skip: chromiumMissing() }, () => {
  let app: App;
  let url: string;
  let browser: Browser;
  /** One context (window) per person: a page in a background tab would have its frames throttled. */
  let bettorWindow: BrowserContext;
  let bettor: Page;
  let trader: Page;
  /** The bet placed from the slip, settled at the end of the suite. */
  let placedBetId: string | undefined;

  before(async () => {
    execFileSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'web', 'build.ts')], { stdio: 'ignore' });
    mkdirSync(ARTIFACTS, { recursive: true });
    const clock = new SystemClock();
    // Fast matches (football in about 35 s) and lively prices; kick-offs close together, so
    // some match is always in its second half.
    const simulator = createMatchSimulator(
      { clock, logger: silentLogger },
      {
        seed: 'web-e2e',
        sports: { football: 3, tennis: 1, basketball: 1 },
        liveMatches: 5,
        upcomingMatches: 4,
        msPerSimSecond: { football: 6, tennis: 12, basketball: 30 },
        kickoffSpacingMs: 9000,
        oddsIntervalMs: [400, 900],
        settlementDelayMs: 800,
        confirmationDelayMs: 9000,
        // A goal voiding the bet placed here would leave nothing to settle.
        betCancelProbability: 0,
      },
    );
    // No simulated bettors: every bet, balance and liability on screen is this test's own.
    app = await createApp(loadConfig({}, { httpPort: 0, logLevel: 'silent', betInPlayDelays: ['*=2'], demoBetsPerMinute: 0 }), {
      clock,
      feed: { source: simulator, recovery: simulator, fixtureProvider: simulator },
    });
    ({ url } = await app.start());
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    bettorWindow = await browser.newContext({ viewport: DESKTOP });
    bettor = await bettorWindow.newPage();
    trader = await (await browser.newContext({ viewport: DESKTOP })).newPage();
  });

  after(async () => {
    await browser?.close();
    await app?.stop();
  });

  test('the odds board shows live events and prices change in place', async () => {
    await bettor.goto(`${url}/?player=demo-1#/sport/${encodeURIComponent(FOOTBALL)}`);
    await bettor.locator('.connection[data-state="live"]').waitFor({ timeout: 10_000 });
    await bettor.locator('.event-row.live .outcome .price').first().waitFor({ timeout: 15_000 });
    // A flash is the visible sign of a price moving in place (same element, new text).
    await bettor.locator('.price.flash-up, .price.flash-down').first().waitFor({ timeout: 15_000 });
    await bettor.screenshot({ path: join(ARTIFACTS, 'bettor-board-desktop.png') });
  });

  test('a bet placed from the slip is accepted after the in-play delay and the balance drops', async () => {
    const before = await balance(bettor);
    // A football match in its second half: it ends (and its bets settle) within the suite.
    const eventId = await lateFootballMatch();
    await bettor.goto(`${url}/?player=demo-1#/event/${encodeURIComponent(eventId)}`);
    const market = bettor.locator('.market[data-market="1"][data-state="open"]');
    let accepted = false;
    // A goal or a bet stop during the delay rejects a live bet: that is correct, so try again.
    for (let attempt = 1; attempt <= 4 && !accepted; attempt += 1) {
      await market.waitFor({ timeout: 20_000 });
      await clickFavourite(market);
      await bettor.locator('.slip-line input[name="stake"]').fill('10');
      await bettor.locator('.odds-change select').selectOption('any');
      await bettor.locator('button.place').click();
      // A bet stop just before arriving rejects the bet at once, without a delay to show.
      await bettor.locator('.slip-pending, .receipt').first().waitFor({ timeout: 5000 });
      const delayShown = await bettor.locator('.slip-pending', { hasText: 'In-play delay' }).isVisible();
      const receipt = bettor.locator('.receipt').first();
      await receipt.waitFor({ timeout: 15_000 });
      accepted = (await receipt.getAttribute('data-status')) === 'accepted';
      if (accepted) assert.ok(delayShown, 'the slip showed the in-play delay while it ran');
      if (!accepted) {
        const selected = bettor.locator('.slip-line .remove');
        if ((await selected.count()) > 0) await selected.first().click();
      }
    }
    assert.ok(accepted, 'a live bet was accepted within four attempts');
    await bettor.locator('.receipt.accepted .odds-taken').waitFor();
    await bettor.screenshot({ path: join(ARTIFACTS, 'bettor-bet-accepted.png') });
    await waitFor(async () => (await balance(bettor)) === subtractCents(before, 1000), { timeoutMs: 5000, message: `balance ${before} − 10.00` });

    await bettor.getByRole('tab', { name: /My bets/ }).click();
    const bet = bettor.locator('.my-bet[data-status="open"]').first();
    await bet.waitFor({ timeout: 5000 });
    placedBetId = (await bet.getAttribute('data-bet-id')) ?? undefined;
    assert.ok(placedBetId);
  });

  test('a margin raised in the console after a preview lowers the bettor prices within a second', async () => {
    const eventId = await upcomingEvent();
    await bettor.goto(`${url}/?player=demo-2#/event/${encodeURIComponent(eventId)}`);
    const prices = bettor.locator('.market[data-market="1"] .outcome .price');
    await prices.first().waitFor({ timeout: 10_000 });
    const overroundBefore = overround(await prices.allTextContents());
    assert.ok(overroundBefore < 1.12, `the book starts near the 5 % default (${overroundBefore})`);

    await trader.goto(`${url}/trading#/event/${encodeURIComponent(eventId)}`);
    await trader.locator(`.event-detail[data-event-id="${eventId}"] .market-group[data-market="1"]`).waitFor({ timeout: 10_000 });
    await trader.locator('.margin-editor select[name="level"]').selectOption('event');
    await trader.locator('.margin-editor input[name="margin"]').fill('30');
    await trader.getByRole('button', { name: 'Preview' }).click();
    const preview = trader.locator('.preview tbody[data-market="1"] td.proposed');
    await preview.first().waitFor({ timeout: 5000 });
    assert.ok(overround(await preview.allTextContents()) > 1.2, 'the preview shows the 30 % book');
    await trader.screenshot({ path: join(ARTIFACTS, 'trading-margin-preview.png') });

    const applied = Date.now();
    await trader.getByRole('button', { name: 'Apply' }).click();
    let dropped = 0;
    await waitFor(
      async () => {
        const now = overround(await prices.allTextContents());
        if (now > 1.2) dropped = Date.now() - applied;
        return dropped > 0;
      },
      { timeoutMs: 3000, intervalMs: 20, message: 'the bettor prices to carry the 30 % margin' },
    );
    assert.ok(dropped < 1000, `bettor prices dropped ${dropped} ms after Apply`);
    await trader.locator('.margin-editor .notice.ok').waitFor();
    console.log(`# margin applied → bettor prices lower after ${dropped} ms`);
  });

  test('a market the trader suspends is locked for the bettor and a bet on it is rejected with the reason', async () => {
    const eventId = await upcomingEvent();
    await bettor.goto(`${url}/?player=demo-2#/event/${encodeURIComponent(eventId)}`);
    const market = bettor.locator('.market[data-market="1"]');
    await market.locator('.outcome .price').first().waitFor({ timeout: 10_000 });
    await market.locator('.outcome').first().click();
    await bettor.locator('.slip-line input[name="stake"]').fill('5');

    await trader.goto(`${url}/trading#/event/${encodeURIComponent(eventId)}`);
    const row = trader.locator('.market-group[data-market="1"]');
    await row.getByRole('button', { name: 'Suspend' }).click();
    await row.locator('.chip.trader').waitFor({ timeout: 5000 });

    await bettor.locator('.market[data-market="1"][data-state="suspended"] .market-lock').waitFor({ timeout: 2000 });
    assert.match((await bettor.locator('.market[data-market="1"] .market-lock').textContent()) ?? '', /trading desk/);
    await bettor.locator('.slip-line.unavailable').waitFor();
    await bettor.locator('button.place').click();
    const rejected = bettor.locator('.receipt.rejected .reason');
    await rejected.waitFor({ timeout: 5000 });
    assert.equal(await rejected.getAttribute('data-code'), 'MARKET_SUSPENDED');
    assert.match((await rejected.textContent()) ?? '', /Suspended by the trading desk/);
    await bettor.screenshot({ path: join(ARTIFACTS, 'bettor-suspended-rejected.png') });
    await trader.screenshot({ path: join(ARTIFACTS, 'trading-suspended.png') });

    await trader.getByRole('tab', { name: 'Audit log' }).click();
    await trader.locator('.audit-list li[data-action="market.suspended"]').first().waitFor({ timeout: 5000 });
    await trader.locator('.audit-list li[data-action="margin.set"]').first().waitFor();

    await row.getByRole('button', { name: 'Resume' }).click();
    await bettor.locator('.market[data-market="1"][data-state="open"]').waitFor({ timeout: 5000 });
  });

  test('an accumulator shows its combined odds and exact payout, and is accepted', async () => {
    await bettor.goto(`${url}/?player=demo-7#/sport/${encodeURIComponent(FOOTBALL)}`);
    const upcoming = bettor.locator('.event-row:not(.live)');
    await upcoming.nth(1).locator('.outcome .price').first().waitFor({ timeout: 10_000 });
    await upcoming.nth(0).locator('.outcome').first().click();
    await upcoming.nth(1).locator('.outcome').last().click();
    await bettor.getByRole('tab', { name: 'Accumulator' }).click();
    await bettor.locator('.accumulator input[name="stake"]').fill('20');
    // 20 × a × b with a, b in hundredths: cents = 20 × a × b / 100, rounded down. Read again if a
    // price moved between the two reads.
    await waitFor(
      async () => {
        const [a, b] = (await bettor.locator('.slip-line .slip-odds .price').allTextContents()).map(toHundredths);
        return (await bettor.locator('.totals .payout').textContent()) === `€${formatCents((20n * a! * b!) / 100n)}`;
      },
      { timeoutMs: 3000, message: 'the slip payout to be 20 × the product of the two prices' },
    );
    await bettor.locator('button.place').click();
    const receipt = bettor.locator('.receipt').first();
    await receipt.waitFor({ timeout: 10_000 });
    assert.equal(await receipt.getAttribute('data-status'), 'accepted', (await receipt.textContent()) ?? '');
    assert.match((await receipt.textContent()) ?? '', /2-fold accumulator/);
  });

  test('after a dropped connection the page shows stale prices, reconnects and catches up on what it missed', async () => {
    const eventId = await upcomingEvent();
    await bettor.goto(`${url}/?player=demo-2#/event/${encodeURIComponent(eventId)}`);
    const home = bettor.locator('.market[data-market="1"] .outcome[data-outcome="1"] .price');
    await home.waitFor({ timeout: 10_000 });
    await bettor.locator('.connection[data-state="live"]').waitFor();
    // The catalog answered too (the back link names the sport): the page is whole before the drop.
    await bettor.locator('.event-view .back', { hasText: 'Soccer' }).waitFor({ timeout: 10_000 });

    await bettorWindow.setOffline(true);
    await bettor.locator('.connection[data-state="reconnecting"]').waitFor({ timeout: 2000 });
    await bettor.locator('.connection[data-state="stale"]').waitFor({ timeout: 10_000 });
    // Missed while offline: the desk moves the price three ticks up.
    const shifted = await trading<{ market: { outcomes: Array<{ outcomeId: string; price?: string }> } }>(
      'PUT',
      `/v1/trading/events/${encodeURIComponent(eventId)}/markets/1/outcomes/1/shift`,
      { ticks: 3 },
    );
    const missed = shifted.market.outcomes.find((o) => o.outcomeId === '1')?.price;
    assert.ok(missed);
    await bettor.screenshot({ path: join(ARTIFACTS, 'bettor-stale.png') });

    await bettorWindow.setOffline(false);
    await bettor.locator('.connection[data-state="live"]').waitFor({ timeout: 15_000 });
    await waitFor(async () => (await home.textContent()) === (await publishedPrice(eventId, '1', '1')), { timeoutMs: 3000, message: `the missed price ${missed} on the page` });
    await trading('DELETE', `/v1/trading/events/${encodeURIComponent(eventId)}/markets/1/outcomes/1/shift`);
  });

  test('the pages at a phone width', async () => {
    const phone = await browser.newContext({ viewport: PHONE, isMobile: true, hasTouch: true });
    try {
      const page = await phone.newPage();
      await page.goto(`${url}/?player=demo-3#/sport/${encodeURIComponent(FOOTBALL)}`);
      await page.locator('.event-row.live .outcome .price').first().waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(ARTIFACTS, 'bettor-board-phone.png') });
      // A prematch price: live rows come and go with bet stops, which is not what this test is about.
      await page.locator('.event-row:not(.live) .outcome:not([disabled])').first().click();
      await page.locator('.sheet-toggle .count', { hasText: '1' }).waitFor({ timeout: 5000 });
      await page.locator('.sheet-toggle').click();
      await page.locator('.side.open .slip-line').waitFor();
      // The sheet slides up; the picture is taken once it is in place.
      await page.waitForFunction("getComputedStyle(document.querySelector('.side.open')).transform === 'none'");
      await page.screenshot({ path: join(ARTIFACTS, 'bettor-slip-phone.png') });
      assert.ok(await fitsWidth(page), 'the bettor page has no horizontal scroll at 390 px');

      await page.goto(`${url}/trading`);
      await page.locator('.event-detail .outcome-row').first().waitFor({ timeout: 10_000 });
      await page.screenshot({ path: join(ARTIFACTS, 'trading-phone.png') });
      assert.ok(await fitsWidth(page), 'the console has no horizontal scroll at 390 px');
    } finally {
      await phone.close();
    }
  });

  test('the settled bet shows its payout, live from the private channel', async () => {
    assert.ok(placedBetId, 'a bet was placed');
    await bettor.goto(`${url}/?player=demo-1#/sport/${encodeURIComponent(FOOTBALL)}`);
    await bettor.getByRole('tab', { name: /My bets/ }).click();
    const bet = bettor.locator(`.my-bet[data-bet-id="${placedBetId}"]`);
    await bet.waitFor({ timeout: 5000 });
    await bettor.locator(`.my-bet[data-bet-id="${placedBetId}"][data-status="settled"]`).waitFor({ timeout: 45_000 });
    assert.match((await bet.locator('.payout').textContent()) ?? '', /Paid €\d/);
    await bettor.screenshot({ path: join(ARTIFACTS, 'bettor-settled.png') });

    // Open bets on an upcoming event fill the risk reports: liability per outcome, exposure.
    const eventId = await upcomingEvent();
    for (const [player, stake] of [['demo-4', '25.00'], ['demo-5', '40.00'], ['demo-6', '15.00']] as const) await placeBetByApi(player, eventId, stake);

    // The console on a live event, with its main market's price chart and the risk reports.
    await trader.goto(`${url}/trading`);
    await trader.locator('.event-detail .market-group').first().waitFor({ timeout: 10_000 });
    await trader.locator('.market-group').first().getByRole('button', { name: 'Chart' }).click();
    await trader.locator('.price-chart svg .series').first().waitFor({ timeout: 10_000 });
    await trader.screenshot({ path: join(ARTIFACTS, 'trading-desktop.png') });
    await trader.getByRole('tab', { name: 'Risk & GGR' }).click();
    await trader.locator(`.risk table.liability tr[data-event-id="${eventId}"]`).first().waitFor({ timeout: 10_000 });
    await trader.locator('.risk table.ggr').waitFor({ timeout: 10_000 });
    await trader.screenshot({ path: join(ARTIFACTS, 'trading-risk.png') });
  });

  /** A call to the trading API with a trader token. */
  async function trading<T = unknown>(method: string, path: string, body?: unknown): Promise<T> {
    return call<T>(method, path, await token('desk-e2e', 'trader'), body);
  }

  async function token(sub: string, role: 'player' | 'trader'): Promise<string> {
    return (await call<{ token: string }>('POST', '/v1/dev/tokens', undefined, { sub, role })).token;
  }

  async function call<T>(method: string, path: string, bearer: string | undefined, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await fetch(`${url}${path}`, {
      method,
      headers: { ...headers, ...(bearer ? { authorization: `Bearer ${bearer}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    assert.ok(response.ok, `${method} ${path}: ${response.status} ${text}`);
    return (text === '' ? undefined : JSON.parse(text)) as T;
  }

  async function publishedPrice(eventId: string, marketKey: string, outcomeId: string): Promise<string | undefined> {
    const event = await trading<{ markets: Array<{ marketKey: string; outcomes: Array<{ outcomeId: string; price?: string }> }> }>('GET', `/v1/trading/events/${encodeURIComponent(eventId)}`);
    return event.markets.find((m) => m.marketKey === marketKey)?.outcomes.find((o) => o.outcomeId === outcomeId)?.price;
  }

  /** A pre-match single on the event's 1X2 at its current price, as a player's app would place it. */
  async function placeBetByApi(player: string, eventId: string, stake: string): Promise<void> {
    const event = await trading<{ epoch: string; seq: number; markets: Array<{ marketKey: string; outcomes: Array<{ outcomeId: string; price?: string; active: boolean }> }> }>(
      'GET',
      `/v1/trading/events/${encodeURIComponent(eventId)}`,
    );
    const outcome = event.markets.find((m) => m.marketKey === '1')?.outcomes.find((o) => o.active && o.price !== undefined);
    assert.ok(outcome, `${eventId} offers a 1X2 price`);
    await call('POST', '/v1/bets', await token(player, 'player'), {
      stake,
      oddsChange: 'any',
      legs: [{ eventId, marketId: 1, outcomeId: outcome.outcomeId, price: outcome.price, priceVersion: { epoch: event.epoch, seq: event.seq } }],
    }, { 'idempotency-key': `${player}-${eventId}` });
  }

  /** The live football match furthest into its second half (before the 80th minute). */
  async function lateFootballMatch(): Promise<string> {
    let chosen: string | undefined;
    await waitFor(
      () => {
        const candidates = app
          .fixtures!.list({ status: 'live', sport: FOOTBALL })
          .map((f) => ({ eventId: f.eventId, minute: Number(f.matchTime?.split(':')[0] ?? 0) }))
          .filter((f) => f.minute >= 40 && f.minute <= 75)
          .sort((a, b) => b.minute - a.minute);
        chosen = candidates[0]?.eventId;
        return chosen !== undefined;
      },
      { timeoutMs: 30_000, intervalMs: 100, message: 'a football match in its second half' },
    );
    return chosen!;
  }

  /** An event still to start, priced pre-match, that kicks off after the suite is over. */
  async function upcomingEvent(): Promise<string> {
    let chosen: string | undefined;
    await waitFor(
      () => {
        chosen = app
          .fixtures!.list({ status: 'not_started', sport: FOOTBALL })
          .filter((f) => Date.parse(f.scheduledStart) > Date.now() + 20_000)
          .sort((a, b) => b.scheduledStart.localeCompare(a.scheduledStart))[0]?.eventId;
        return chosen !== undefined;
      },
      { timeoutMs: 20_000, intervalMs: 100, message: 'an upcoming football match' },
    );
    return chosen!;
  }
});

/** Picks the outcome with the lowest price: the likeliest to win, so the settled bet usually pays. */
async function clickFavourite(market: Locator): Promise<void> {
  const outcomes = market.locator('.outcome:not([disabled])');
  const prices = (await outcomes.locator('.price').allTextContents()).map(Number);
  const lowest = prices.reduce((best, price, i) => (price < prices[best]! ? i : best), 0);
  await outcomes.nth(lowest).click();
}

async function balance(page: Page): Promise<string> {
  const element = page.locator('.balance[data-available]');
  await element.waitFor({ timeout: 10_000 });
  return (await element.getAttribute('data-available'))!;
}

/** Sum of 1/price: the book's overround plus one. */
function overround(prices: readonly string[]): number {
  return prices.reduce((sum, p) => sum + 1 / Number(p), 0);
}

/** "2.05" → 205n. */
function toHundredths(price: string): bigint {
  const [whole = '0', fraction = ''] = price.split('.');
  return BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2));
}

/** 14960n → "149.60", with thousands separators as the page writes them. */
function formatCents(cents: bigint): string {
  const whole = (cents / 100n).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${whole}.${(cents % 100n).toString().padStart(2, '0')}`;
}

function subtractCents(amount: string, cents: number): string {
  const [whole = '0', fraction = '00'] = amount.split('.');
  const total = BigInt(whole) * 100n + BigInt(fraction.padEnd(2, '0').slice(0, 2)) - BigInt(cents);
  return `${total / 100n}.${(total % 100n).toString().padStart(2, '0')}`;
}

async function fitsWidth(page: Page): Promise<boolean> {
  return page.evaluate('document.documentElement.scrollWidth <= window.innerWidth + 1') as Promise<boolean>;
}
