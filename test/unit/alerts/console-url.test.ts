import { ecrConsoleUrl } from '../../../shared/app/alerts';
import { CONSOLE_URL, DIGEST, REGISTRY } from './fixtures';

describe('ecrConsoleUrl', () => {
  it('links the image page, with account and region from the registry host', () => {
    expect(ecrConsoleUrl({ registry: REGISTRY, repository: 'payments/api', digest: DIGEST })).toBe(
      CONSOLE_URL,
    );
  });

  it('falls back to the account and region of the event', () => {
    expect(
      ecrConsoleUrl(
        { registry: 'localhost:5000', repository: 'payments/api', digest: DIGEST },
        { account: '123456789012', region: 'us-west-2' },
      ),
    ).toBe(CONSOLE_URL);
  });

  it('uses the partition console for China and GovCloud', () => {
    expect(
      ecrConsoleUrl({
        registry: '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn',
        repository: 'app',
        digest: DIGEST,
      }),
    ).toMatch(/^https:\/\/cn-north-1\.console\.amazonaws\.cn\/ecr\//);
    expect(
      ecrConsoleUrl(
        { repository: 'app', digest: DIGEST },
        { account: '123456789012', region: 'us-gov-west-1' },
      ),
    ).toMatch(/^https:\/\/us-gov-west-1\.console\.amazonaws-us-gov\.com\//);
  });

  it.each([
    ['a repository that is not an ECR name', { repository: 'app|evil>', digest: DIGEST }],
    ['a digest that is not sha256', { repository: 'app', digest: 'sha256:xyz' }],
    ['no account or region anywhere', { registry: 'localhost:5000', repository: 'app', digest: DIGEST }],
  ])('gives no link for %s', (_, image) => {
    expect(ecrConsoleUrl(image)).toBeUndefined();
  });
});
