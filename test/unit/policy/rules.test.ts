import { DEFAULT_COMPLETE_STATUSES, resolveRules } from '../../../shared/core/policy';
import { policy } from './builders';

describe('resolveRules', () => {
  const loaded = policy({
    defaults: {
      severityLimits: { CRITICAL: 0, HIGH: 0, MEDIUM: 20 },
      maxCvss: 9,
      blockExploitAvailable: true,
    },
    repositories: [
      { match: '*', severityLimits: { LOW: 100 } },
      { match: 'legacy/*', severityLimits: { HIGH: 10 }, ignoreUnfixed: true },
      { match: 'legacy/billing', severityLimits: { HIGH: 5 }, mode: 'warn', completeStatuses: ['COMPLETE'] },
      { match: 'sandbox/*', mode: 'warn', maxCvss: 10 },
    ],
  }).policy;

  it('uses the defaults, in enforce mode, where no override matches a key', () => {
    expect(resolveRules(policy({}).policy, 'web/app')).toEqual({
      mode: 'enforce',
      severityLimits: {},
      ignoreUnfixed: false,
      blockExploitAvailable: false,
      completeStatuses: DEFAULT_COMPLETE_STATUSES,
      overrides: [],
    });
  });

  it('merges severityLimits key by key, later entries winning', () => {
    const rules = resolveRules(loaded, 'legacy/billing');
    expect(rules.severityLimits).toEqual({ CRITICAL: 0, HIGH: 5, MEDIUM: 20, LOW: 100 });
    expect(rules.overrides).toEqual(['*', 'legacy/*', 'legacy/billing']);
    expect(rules).toMatchObject({
      mode: 'warn',
      ignoreUnfixed: true,
      maxCvss: 9,
      completeStatuses: ['COMPLETE'],
    });
  });

  it('leaves a repository an override does not match alone', () => {
    const rules = resolveRules(loaded, 'legacy');
    expect(rules.severityLimits).toEqual({ CRITICAL: 0, HIGH: 0, MEDIUM: 20, LOW: 100 });
    expect(rules).toMatchObject({ mode: 'enforce', ignoreUnfixed: false, blockExploitAvailable: true });
  });

  it('matches `*` across `/`, as EventBridge wildcards do', () => {
    expect(resolveRules(loaded, 'sandbox/team/tool')).toMatchObject({ mode: 'warn', maxCvss: 10 });
    expect(resolveRules(loaded, 'legacy/billing/v2').severityLimits.HIGH).toBe(10);
  });
});
