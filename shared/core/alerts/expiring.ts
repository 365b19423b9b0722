/** Exceptions this close to expiry are listed in alerts, so their owners renew or fix in time. */
export const EXPIRY_WARNING_DAYS = 14;

const DAY_MS = 24 * 60 * 60 * 1000;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export interface ExpiringException {
  readonly id: string;
  readonly package?: string;
  readonly reason?: string;
  /** YYYY-MM-DD: the last day the exception applies. */
  readonly expires: string;
  /** Whole days from `now`'s UTC date to `expires`: 0 means it expires today. */
  readonly daysLeft: number;
}

/**
 * The applied exceptions that expire within {@link EXPIRY_WARNING_DAYS} days of `now`, soonest
 * first. Dates are compared as UTC calendar days, the way the policy writes them.
 */
export const expiringExceptions = (
  applied: readonly {
    readonly id: string;
    readonly package?: string | undefined;
    readonly reason?: string | undefined;
    readonly expires: string;
  }[],
  now: Date,
): ExpiringException[] => {
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  return applied
    .flatMap((exception) => {
      const match = DATE.exec(exception.expires);
      if (match === null) return [];
      const expires = Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3]));
      const daysLeft = Math.round((expires - today) / DAY_MS);
      if (daysLeft < 0 || daysLeft > EXPIRY_WARNING_DAYS) return [];
      return [
        {
          id: exception.id,
          ...(exception.package === undefined ? {} : { package: exception.package }),
          ...(exception.reason === undefined ? {} : { reason: exception.reason }),
          expires: exception.expires,
          daysLeft,
        },
      ];
    })
    .sort((a, b) => a.daysLeft - b.daysLeft);
};
