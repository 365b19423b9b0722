import * as z from 'zod';
import { SEVERITIES, type Finding } from '../domain/finding';

const attributeSchema = z.object({ key: z.string(), value: z.string().optional() });

const SCORE = /^(?:10(?:\.0+)?|\d(?:\.\d+)?)$/;
const VECTOR_VERSION = /^CVSS:(\d+\.\d+)\//;

/**
 * One finding of ECR basic scanning. Its package and scores live in `attributes` as strings;
 * a scanner that left one out leaves that field of the Finding undefined. Basic scanning reports
 * no fix or exploit availability, so those stay undefined too.
 */
export const basicFindingSchema = z
  .object({
    name: z.string().min(1),
    description: z.string().optional(),
    uri: z.string().optional(),
    severity: z.enum(SEVERITIES),
    attributes: z.array(attributeSchema).default([]),
  })
  .transform((raw, ctx): Finding => {
    const attribute = (key: string): { value: string; index: number } | undefined => {
      const index = raw.attributes.findIndex((entry) => entry.key === key && entry.value !== undefined);
      const value = raw.attributes[index]?.value;
      return value === undefined ? undefined : { value, index };
    };
    const score = (key: string): number | undefined => {
      const found = attribute(key);
      if (found === undefined) return undefined;
      if (!SCORE.test(found.value)) {
        ctx.addIssue({
          code: 'custom',
          path: ['attributes', found.index, 'value'],
          message: `${key} must be a CVSS score from 0 to 10, got ${JSON.stringify(found.value)}`,
        });
        return undefined;
      }
      return Number(found.value);
    };

    // CVSS v3 when the scanner has it, as Inspector does; v2 only for old advisories that have nothing else.
    const v3 = score('CVSS3_SCORE');
    const v2 = v3 === undefined ? score('CVSS2_SCORE') : undefined;
    const cvss =
      v3 !== undefined
        ? { score: v3, version: VECTOR_VERSION.exec(attribute('CVSS3_VECTOR')?.value ?? '')?.[1] ?? '3' }
        : v2 !== undefined
          ? { score: v2, version: '2' }
          : undefined;
    const packageName = attribute('package_name')?.value;
    const packageVersion = attribute('package_version')?.value;
    return {
      id: raw.name,
      severity: raw.severity,
      ...(raw.description === undefined ? {} : { description: raw.description }),
      ...(cvss === undefined ? {} : { cvss }),
      ...(packageName === undefined
        ? {}
        : {
            package: {
              name: packageName,
              ...(packageVersion === undefined ? {} : { version: packageVersion }),
            },
          }),
      ...(raw.uri === undefined ? {} : { sourceUrl: raw.uri }),
    };
  });
