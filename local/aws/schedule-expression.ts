const AT = /^at\((\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\)$/;

/**
 * The instant of a one-time `at(yyyy-mm-ddThh:mm:ss)` expression, read in `timeZone` (an IANA name, as
 * ScheduleExpressionTimezone takes). `undefined` for `rate()`/`cron()`, which the stand-in never fires.
 * @throws RangeError for a malformed `at()` or an unknown time zone
 */
export const atInstant = (expression: string, timeZone = 'UTC'): Date | undefined => {
  if (!expression.startsWith('at(')) return undefined;
  const match = AT.exec(expression);
  if (match === null) throw new RangeError(`${expression} is not at(yyyy-mm-ddThh:mm:ss)`);
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  const check = new Date(wall);
  if (
    check.getUTCMonth() !== month - 1 ||
    check.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new RangeError(`${expression} is not a valid date and time`);
  }
  // Wall-clock time in the zone, minus the zone's offset at that instant; twice, for a DST change in between.
  let instant = wall - offsetMs(wall, timeZone);
  instant = wall - offsetMs(instant, timeZone);
  return new Date(instant);
};

/** How far `timeZone`'s wall clock is ahead of UTC at `instant`. */
const offsetMs = (instant: number, timeZone: string): number => {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes): number =>
    Number(parts.find((entry) => entry.type === type)?.value ?? Number.NaN);
  const wall = Date.UTC(
    part('year'),
    part('month') - 1,
    part('day'),
    part('hour'),
    part('minute'),
    part('second'),
  );
  return wall - Math.floor(instant / 1000) * 1000;
};
