/** A live event's clock as a bettor reads it. */

/** Football reads in started minutes (0:30 is 1', 45:00 is 45'); other sports show the clock as sent, or Live. */
export function clockText(event: { readonly sportId?: string; readonly matchTime?: string } | undefined): string {
  if (event?.matchTime === undefined) return 'Live';
  if (event.sportId !== 'sr:sport:1') return event.matchTime;
  const [minutes = 0, seconds = 0] = event.matchTime.split(':').map(Number);
  return `${seconds > 0 ? minutes + 1 : Math.max(minutes, 1)}'`;
}
