import type { Finding } from '../domain/finding';
import { matchesAnyGlob } from '../domain/glob';
import type { AppliedException } from '../domain/verdict';
import type { PolicyException } from './schema';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The first instant an exception no longer applies: the end of its `expires` day, UTC. */
export const exceptionExpiresAt = (expires: string): Date =>
  new Date(Date.parse(`${expires}T00:00:00Z`) + DAY_MS);

export const isExceptionActive = (exception: Pick<PolicyException, 'expires'>, now: Date): boolean =>
  now.getTime() < exceptionExpiresAt(exception.expires).getTime();

export const exceptionMatches = (
  exception: Pick<PolicyException, 'id' | 'package'>,
  finding: Finding,
): boolean =>
  exception.id === finding.id &&
  (exception.package === undefined || exception.package === finding.package?.name);

/** An exception for this repository that would have matched findings but is past its `expires` day. */
export interface ExpiredException {
  readonly id: string;
  readonly package?: string;
  readonly reason: string;
  readonly expires: string;
  /** Findings it would have waived. */
  readonly matched: number;
}

/** An exception for this repository that matches no finding of the image: likely fixed, or a typo. */
export interface StaleException {
  readonly id: string;
  readonly package?: string;
  readonly reason: string;
  readonly expires: string;
  readonly expired: boolean;
}

/** Which exceptions, scoped to one repository, waive a finding, and how often each matched. */
export class ExceptionLedger {
  private readonly byId = new Map<string, ExceptionTally[]>();
  private readonly tallies: ExceptionTally[];

  public constructor(exceptions: readonly PolicyException[], repository: string, now: Date) {
    // Exceptions scoped to other repositories are neither applied nor reported: they are not stale here.
    this.tallies = exceptions
      .filter((exception) => matchesAnyGlob(exception.repositories, repository))
      .map((exception) => ({ exception, active: isExceptionActive(exception, now), matched: 0 }));
    for (const tally of this.tallies) {
      const list = this.byId.get(tally.exception.id);
      if (list === undefined) this.byId.set(tally.exception.id, [tally]);
      else list.push(tally);
    }
  }

  /**
   * Records the finding against every exception that matches it, expired ones included, so each
   * exception's count is the same whichever other exceptions exist. @returns true when one applies.
   */
  public waives(finding: Finding): boolean {
    const candidates = this.byId.get(finding.id);
    if (candidates === undefined) return false;
    let waived = false;
    for (const tally of candidates) {
      if (!exceptionMatches(tally.exception, finding)) continue;
      tally.matched += 1;
      if (tally.active) waived = true;
    }
    return waived;
  }

  public applied(): AppliedException[] {
    return this.tallies
      .filter((tally) => tally.active && tally.matched > 0)
      .map(({ exception, matched }) => ({ ...describe(exception), reason: exception.reason, matched }));
  }

  public expired(): ExpiredException[] {
    return this.tallies
      .filter((tally) => !tally.active && tally.matched > 0)
      .map(({ exception, matched }) => ({ ...describe(exception), reason: exception.reason, matched }));
  }

  public stale(): StaleException[] {
    return this.tallies
      .filter((tally) => tally.matched === 0)
      .map(({ exception, active }) => ({
        ...describe(exception),
        reason: exception.reason,
        expired: !active,
      }));
  }
}

interface ExceptionTally {
  readonly exception: PolicyException;
  readonly active: boolean;
  matched: number;
}

const describe = (exception: PolicyException): { id: string; package?: string; expires: string } => ({
  id: exception.id,
  ...(exception.package === undefined ? {} : { package: exception.package }),
  expires: exception.expires,
});
