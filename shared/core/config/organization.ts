import * as z from 'zod';

/** An AWS account id: twelve digits, kept a string (YAML would read it as a number and drop leading zeros). */
const accountId = z.string().regex(/^\d{12}$/, { message: 'expected a 12-digit AWS account id, quoted' });

/** `ou-<root>-<ou>`, as AWS Organizations names an organizational unit. */
const organizationalUnitId = z
  .string()
  .regex(/^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/, { message: 'expected an OU id such as ou-ab12-cdef3456' });

// The `aws` partition only: the spoke's trust names the hub's roles as `arn:aws:iam::…`.
const region = z.string().regex(/^[a-z]{2}-[a-z]+-\d$/, {
  message:
    'expected an AWS region of the aws partition such as eu-west-1 (GovCloud and ISO are not supported)',
});

const repositoryGlob = z
  .string()
  .regex(/^[a-z0-9._/*-]+$/, { message: 'expected a repository name or glob' })
  .refine((glob) => !glob.includes('**'), { message: 'use * instead of **: * already matches /' });

/**
 * Member accounts whose repositories the hub covers: by account id, or by OU for a StackSet with service-managed
 * permissions (which deploys to every account the OU holds, now and later). Each in the regions given.
 */
const spokeSchema = z
  .strictObject({
    accounts: z.array(accountId).min(1).optional(),
    organizationalUnits: z.array(organizationalUnitId).min(1).optional(),
    regions: z.array(region).min(1),
    /** @default the hub's `repositories` */
    repositories: z.array(repositoryGlob).min(1).optional(),
  })
  .refine((spoke) => (spoke.accounts === undefined) !== (spoke.organizationalUnits === undefined), {
    message: 'give accounts or organizationalUnits (one of them, not both)',
  });

/**
 * `organization` in tollgate.config.yaml: the hub-and-spoke form (docs/organization.md). Absent, Tollgate covers the
 * account and region it is deployed in, exactly as before.
 */
export const organizationSchema = z
  .strictObject({
    /** The AWS Organizations id. Every trust the spokes and the hub's bus give is conditioned on it. */
    id: z
      .string()
      .regex(/^o-[a-z0-9]{10,32}$/, { message: 'expected an organization id such as o-a1b2c3d4e5' }),
    /**
     * Where the hub is deployed. Spoke templates name the hub's roles and bus by ARN (a StackSet template cannot
     * reference another stack), so they must be known at synth.
     */
    hub: z.strictObject({ account: accountId, region }),
    spokes: z.array(spokeSchema).min(1),
    /**
     * The trust root for the organization, moved in two deployments (docs/organization.md, "Moving to the
     * multi-Region key"). `multiRegion: true` creates a KMS multi-Region key beside the single-Region one (a key's
     * `MultiRegion` cannot change, and replacing the key would void every signature written), replicated into
     * `replicaRegions`: the same public key in every region. It signs nothing until `signsWith: multi-region`, so
     * gates can trust it first; the key that does not sign is published as the standby.
     */
    signingKey: z
      .strictObject({
        multiRegion: z.boolean().default(false),
        replicaRegions: z.array(region).default([]),
        signsWith: z.enum(['single-region', 'multi-region']).default('single-region'),
      })
      .default({ multiRegion: false, replicaRegions: [], signsWith: 'single-region' }),
  })
  .superRefine((organization, context) => {
    const issue = (path: (string | number)[], message: string): void =>
      context.addIssue({ code: 'custom', path, message });
    const { signingKey, hub } = organization;
    if (!signingKey.multiRegion && signingKey.signsWith === 'multi-region') {
      issue(
        ['signingKey', 'signsWith'],
        'there is no multi-Region key to sign with: set signingKey.multiRegion: true, deploy, then switch',
      );
    }
    if (!signingKey.multiRegion && signingKey.replicaRegions.length > 0) {
      issue(
        ['signingKey', 'replicaRegions'],
        'only a multi-Region key has replicas: set signingKey.multiRegion: true',
      );
    }
    signingKey.replicaRegions.forEach((replica, at) => {
      if (replica === hub.region)
        issue(
          ['signingKey', 'replicaRegions', at],
          `${replica} is the hub's region, where the primary key is`,
        );
    });
    // A spoke's region must hold the key (the primary, or a replica of a multi-Region key), so that gates and
    // verifiers there check against the one public key in their own region (docs/organization.md).
    const keyRegions = [hub.region, ...(signingKey.multiRegion ? signingKey.replicaRegions : [])];
    organization.spokes.forEach((spoke, index) => {
      spoke.regions.forEach((spokeRegion, at) => {
        if (!keyRegions.includes(spokeRegion)) {
          issue(
            ['spokes', index, 'regions', at],
            `the signing key has no replica in ${spokeRegion} (its regions: ${keyRegions.join(', ')})`,
          );
        }
      });
      (spoke.accounts ?? []).forEach((account, at) => {
        // Two entries for one account and region would be two StackSet instances creating the same named roles.
        const earlier = organization.spokes
          .slice(0, index)
          .findIndex(
            (other) =>
              (other.accounts ?? []).includes(account) &&
              other.regions.some((otherRegion) => spoke.regions.includes(otherRegion)),
          );
        if (earlier >= 0) {
          issue(
            ['spokes', index, 'accounts', at],
            `${account} is already a spoke in the same region (organization.spokes.${earlier})`,
          );
        }
        if (account === hub.account) {
          issue(
            ['spokes', index, 'accounts', at],
            `${account} is the hub's own account: its repositories are the hub's \`repositories\``,
          );
        }
      });
    });
  });

export type OrganizationConfig = z.output<typeof organizationSchema>;
