import { createHash } from 'node:crypto';
import { epochSeconds } from '../protocol';
import type { SimulatedFinding } from './findings-source';

/** A finding of ECR basic scanning, as DescribeImageScanFindings returns it in `findings`. */
export const basicFinding = (finding: SimulatedFinding): Readonly<Record<string, unknown>> => {
  if (finding.basic !== undefined) return finding.basic;
  const attributes = [
    ...(finding.package === undefined ? [] : [{ key: 'package_name', value: finding.package }]),
    ...(finding.version === undefined ? [] : [{ key: 'package_version', value: finding.version }]),
    ...(finding.cvss === undefined ? [] : [{ key: 'CVSS3_SCORE', value: finding.cvss.toFixed(1) }]),
  ];
  return {
    name: finding.name,
    severity: finding.severity,
    ...(finding.description === undefined ? {} : { description: finding.description }),
    ...(finding.uri === undefined ? {} : { uri: finding.uri }),
    attributes,
  };
};

export interface EnhancedFindingContext {
  readonly accountId: string;
  readonly region: string;
  readonly repository: string;
  readonly digest: string;
  readonly registryHost: string;
  readonly imageTags: readonly string[];
  readonly observedAt: Date;
}

/** An Amazon Inspector finding, as DescribeImageScanFindings returns it in `enhancedFindings`. */
export const enhancedFinding = (
  finding: SimulatedFinding,
  at: EnhancedFindingContext,
): Readonly<Record<string, unknown>> => {
  const id = createHash('sha256').update(
    `${at.repository}@${at.digest}/${finding.name}/${finding.package ?? ''}`,
  );
  const observed = epochSeconds(at.observedAt);
  return {
    awsAccountId: at.accountId,
    findingArn: `arn:aws:inspector2:${at.region}:${at.accountId}:finding/${id.digest('hex').slice(0, 32)}`,
    title: finding.package === undefined ? finding.name : `${finding.name} - ${finding.package}`,
    description: finding.description ?? `${finding.name} (simulated by the Tollgate AWS stand-in)`,
    severity: finding.severity,
    status: 'ACTIVE',
    type: 'PACKAGE_VULNERABILITY',
    firstObservedAt: observed,
    lastObservedAt: observed,
    updatedAt: observed,
    fixAvailable: finding.fixedIn === undefined ? 'NO' : 'YES',
    exploitAvailable: 'NO',
    ...(finding.cvss === undefined ? {} : { score: finding.cvss }),
    packageVulnerabilityDetails: {
      vulnerabilityId: finding.name,
      source: 'SIMULATED',
      ...(finding.uri === undefined ? {} : { sourceUrl: finding.uri }),
      cvss:
        finding.cvss === undefined ? [] : [{ baseScore: finding.cvss, source: 'SIMULATED', version: '3.1' }],
      vulnerablePackages:
        finding.package === undefined
          ? []
          : [
              {
                name: finding.package,
                ...(finding.version === undefined ? {} : { version: finding.version }),
                fixedInVersion: finding.fixedIn ?? 'NotAvailable',
              },
            ],
    },
    resources: [
      {
        type: 'AWS_ECR_CONTAINER_IMAGE',
        id: `arn:aws:ecr:${at.region}:${at.accountId}:repository/${at.repository}/${at.digest}`,
        details: {
          awsEcrContainerImage: {
            registry: at.accountId,
            repositoryName: at.repository,
            imageHash: at.digest,
            imageTags: [...at.imageTags],
          },
        },
      },
    ],
  };
};

/** Findings per severity, leaving out severities with none, as ECR's `findingSeverityCounts` does. */
export const severityCounts = (findings: readonly SimulatedFinding[]): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const finding of findings) counts[finding.severity] = (counts[finding.severity] ?? 0) + 1;
  return counts;
};
