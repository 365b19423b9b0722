const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'] as const;

// Inspector2 events carry Java's Date#toString form, e.g. `Wed Dec 02 09:13:58.120 UTC 2026`, not ISO 8601.
const INSPECTOR_TIME =
  /^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))? UTC (\d{4})$/;

/** @returns the ISO 8601 form, or undefined when `value` is neither ISO 8601 nor Inspector's form. */
export const parseEventTime = (value: string): string | undefined => {
  const match = INSPECTOR_TIME.exec(value);
  if (match !== null) {
    const [, month, day, hours, minutes, seconds, millis, year] = match;
    const date = new Date(
      Date.UTC(
        Number(year),
        MONTHS.indexOf(month as (typeof MONTHS)[number]),
        Number(day),
        Number(hours),
        Number(minutes),
        Number(seconds),
        Number((millis ?? '0').padEnd(3, '0')),
      ),
    );
    return Number.isNaN(date.getTime()) || date.getUTCDate() !== Number(day) ? undefined : date.toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    const date = new Date(value);
    return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
  }
  return undefined;
};
