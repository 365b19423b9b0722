import { globSource } from '../../domain/glob';
import { AdmissionInputError } from './options';
/**
 * Tollgate repository globs (`*` = any characters, `/` included) translated to each engine's own matching, so the
 * policy covers exactly the images Tollgate signs. Where an engine cannot say exactly that, the translation errs
 * towards covering more (a signature is then demanded of more images), never fewer.
 */

/** Kyverno `imageReferences` and Connaisseur patterns: wildcard `*` matches `/` too, like Tollgate's. */
export const wildcardReferences = (registry: string, glob: string): string[] => [
  `${registry}/${glob}:*`,
  `${registry}/${glob}@*`,
];

/**
 * Kyverno ImageValidatingPolicy `matchImageReferences` globs (gobwas/glob without separators: `*` crosses `/`).
 * They match the image string as written in the pod, so a reference with no tag needs its own pattern.
 */
export const rawImageGlobs = (registry: string, glob: string): string[] => [
  `${registry}/${glob}`,
  `${registry}/${glob}:*`,
  `${registry}/${glob}@*`,
];

/** policy-controller globs: `*` stops at `/`, `**` crosses it; matched against `registry/repo:tag` or `@digest`. */
export const policyControllerGlobs = (registry: string, glob: string): string[] => {
  const repository = glob.replaceAll('*', '**');
  return [`${registry}/${repository}:**`, `${registry}/${repository}@**`];
};

/**
 * An RE2 pattern (CEL `matches`) that matches exactly the image strings the policy's `matchImageReferences` globs
 * match: built from the same `rawImageGlobs`, with each `*` as `[\s\S]*`. Kyverno compiles those globs with
 * gobwas/glob and no separators (pkg/cel/compiler, CompileMatchImageReference), where `*` is any run of any
 * characters, a newline included; RE2's `.` stops at a newline, so it is not used. A narrower pattern (one that
 * assumed a tag's or a digest's shape, say) would let an image the globs cover skip the signature check and be
 * admitted unchecked. The pattern uses only literals, `[\s\S]`, `(?:|)` and `^…$` (end of text without the `m`
 * flag), which mean the same in RE2 and in JavaScript, so tests can check it with RegExp.
 */
export const imageRegex = (registry: string, globs: readonly string[]): string => {
  const alternatives = globs
    .flatMap((glob) => rawImageGlobs(registry, glob))
    .map((pattern) => {
      // gobwas/glob gives `?`, `[`, `{` and `\` a meaning; the option checks keep them out of registries and globs.
      if (/[?[\]{}\\]/.test(pattern)) {
        throw new AdmissionInputError(`${pattern}: only * may be a wildcard in an image glob`);
      }
      return globSource(pattern, '[\\s\\S]*');
    });
  return `^(?:${alternatives.join('|')})$`;
};

/**
 * Gatekeeper K8sAllowedRepos can only test prefixes. A glob ending in its only `*` is a prefix; a repository
 * without `*` is itself followed by `:` or `@`; a `*` elsewhere widens to the prefix before it (`widened`).
 */
export const allowedRepoPrefixes = (
  registry: string,
  glob: string,
): { readonly prefixes: string[]; readonly widened: boolean } => {
  const star = glob.indexOf('*');
  if (star === -1) return { prefixes: [`${registry}/${glob}:`, `${registry}/${glob}@`], widened: false };
  return { prefixes: [`${registry}/${glob.slice(0, star)}`], widened: star !== glob.length - 1 };
};
