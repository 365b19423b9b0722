import { LocalStackError } from '../../../local/errors';
import { parseRegistryUrl } from '../../../local/registry-url';

describe('parseRegistryUrl', () => {
  it('takes an anonymous registry', () => {
    expect(parseRegistryUrl('http://127.0.0.1:5000')).toEqual({
      url: 'http://127.0.0.1:5000',
      host: '127.0.0.1:5000',
      protocol: 'http',
    });
  });

  it('takes basic-auth credentials from the URL, decoded', () => {
    expect(parseRegistryUrl('https://ci%40example.com:p%3Ass@registry.example.com:8443/')).toEqual({
      url: 'https://registry.example.com:8443',
      host: 'registry.example.com:8443',
      protocol: 'https',
      credentials: { username: 'ci@example.com', password: 'p:ss' },
    });
  });

  it.each([
    ['not a URL', '127.0.0.1:5000:x'],
    ['another scheme', 'ftp://127.0.0.1:5000'],
    ['a path', 'http://127.0.0.1:5000/v2/'],
  ])('refuses %s', (_label, text) => {
    expect(() => parseRegistryUrl(text)).toThrow(LocalStackError);
  });
});
