/** A parsed `WWW-Authenticate` header (RFC 7235), as registries send it on 401. */
export type AuthChallenge =
  | { readonly scheme: 'basic'; readonly realm?: string }
  | { readonly scheme: 'bearer'; readonly realm: string; readonly service?: string; readonly scope?: string };

const PARAM = /([a-zA-Z_]+)="([^"]*)"/g;

export const parseChallenge = (header: string | null): AuthChallenge | undefined => {
  if (header === null) return undefined;
  const match = /^\s*(\w+)\s*(.*)$/.exec(header);
  if (match === null) return undefined;
  const params = new Map<string, string>();
  for (const [, key, value] of (match[2] ?? '').matchAll(PARAM)) {
    if (key !== undefined && value !== undefined) params.set(key.toLowerCase(), value);
  }
  const realm = params.get('realm');
  switch (match[1]?.toLowerCase()) {
    case 'basic':
      return realm === undefined ? { scheme: 'basic' } : { scheme: 'basic', realm };
    case 'bearer': {
      if (realm === undefined) return undefined;
      const service = params.get('service');
      const scope = params.get('scope');
      return {
        scheme: 'bearer',
        realm,
        ...(service === undefined ? {} : { service }),
        ...(scope === undefined ? {} : { scope }),
      };
    }
    default:
      return undefined;
  }
};
