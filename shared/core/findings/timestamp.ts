import * as z from 'zod';
import { parseEventTime } from '../events/inspector-time';

/**
 * The SDK's Date objects become ISO strings when saved as JSON; the AWS CLI v1 (and v2 with
 * `cli_timestamp_format = none`) prints epoch seconds, with a fraction. Both yield ISO 8601.
 */
export const awsTimestampSchema = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const iso = typeof value === 'number' ? epochSecondsToIso(value) : parseEventTime(value);
  if (iso === undefined) {
    ctx.addIssue({ code: 'custom', message: `unrecognised timestamp ${JSON.stringify(value)}` });
    return z.NEVER;
  }
  return iso;
});

const epochSecondsToIso = (seconds: number): string | undefined => {
  const date = new Date(Math.round(seconds * 1000));
  return Number.isFinite(seconds) && seconds >= 0 && !Number.isNaN(date.getTime())
    ? date.toISOString()
    : undefined;
};
