/** A parsed `WWW-Authenticate` challenge from a registry (RFC 7235 auth-params). */
export interface Challenge {
  scheme: 'bearer' | 'basic' | string;
  params: Record<string, string>;
}

/**
 * Parses a `WWW-Authenticate` header into its challenges, e.g.
 * `Bearer realm="https://auth/token",service="reg",scope="repository:a:pull"`.
 * Parameter names are lowercased; quoted values may contain commas and escaped quotes.
 */
export function parseWwwAuthenticate(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let i = 0;
  const s = header;
  const skipSpace = () => {
    while (i < s.length && /[\s,]/.test(s[i] ?? '')) i++;
  };
  const readToken = () => {
    const start = i;
    while (i < s.length && /[^\s,=]/.test(s[i] ?? '')) i++;
    return s.slice(start, i);
  };
  let current: Challenge | undefined;
  while (i < s.length) {
    skipSpace();
    const token = readToken();
    if (!token) break;
    let j = i;
    while (j < s.length && s[j] === ' ') j++;
    if (s[j] === '=' && current) {
      i = j + 1;
      while (s[i] === ' ') i++;
      let value = '';
      if (s[i] === '"') {
        i++;
        while (i < s.length && s[i] !== '"') {
          if (s[i] === '\\') i++;
          value += s[i] ?? '';
          i++;
        }
        i++;
      } else {
        value = readToken();
      }
      current.params[token.toLowerCase()] = value;
    } else {
      current = { scheme: token.toLowerCase(), params: {} };
      challenges.push(current);
    }
  }
  return challenges;
}
