import { execFileSync } from 'node:child_process';
import { createPrivateKey, randomUUID, sign, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after } from 'node:test';
import type { RegistryAuth } from '../../lib/daemons/registry.js';
import { freePort } from '../../lib/net.js';
import { requireBinary } from './requirements.js';
import { tempDir } from './tmp.js';

/** Decides which of the requested `actions` on repository `name` a user (undefined: anonymous) gets. */
export type GrantPolicy = (user: string | undefined, name: string, actions: string[]) => string[];

export interface TokenServer {
  /** Pass as `testRegistry({ auth })`: the registry trusts tokens signed by this server. */
  auth: Extract<RegistryAuth, { kind: 'token' }>;
  url: string;
  /** Every token request served (scopes asked, user), for assertions on caching. */
  requests: Array<{ user: string | undefined; scopes: string[]; status: number }>;
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/**
 * A token server following the Docker registry token spec, on 127.0.0.1 (plain HTTP), closed
 * after the enclosing suite. It checks Basic credentials against `users`, grants scopes by
 * `grant` (default: users get what they ask for, anonymous gets nothing), and issues ES256
 * JWTs carrying the signing certificate in `x5c`. The key and self-signed certificate come
 * from `openssl` (node:crypto can sign but cannot create X.509 certificates).
 */
export async function startTokenServer(
  opts: { users?: Record<string, string>; grant?: GrantPolicy; service?: string; expiresIn?: number } = {},
): Promise<TokenServer> {
  requireBinary('openssl', 'openssl');
  const dir = await tempDir('token-server');
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  const subject = '/CN=slipway-test-token-issuer';
  const curve = 'ec_paramgen_curve:prime256v1';
  const args = ['req', '-x509', '-newkey', 'ec', '-pkeyopt', curve, '-nodes', '-days', '2', '-subj', subject];
  execFileSync('openssl', [...args, '-keyout', keyFile, '-out', certFile], { stdio: 'pipe' });
  const key = createPrivateKey(readFileSync(keyFile));
  const certDer = new X509Certificate(readFileSync(certFile)).raw;
  const service = opts.service ?? 'slipway-test-registry';
  const issuer = 'slipway-test-token-issuer';
  const users = opts.users ?? {};
  const grant: GrantPolicy = opts.grant ?? ((user, _name, actions) => (user ? actions : []));
  const requests: TokenServer['requests'] = [];

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://token');
    const scopes = url.searchParams.getAll('scope').flatMap((s) => s.split(' ').filter(Boolean));
    let user: string | undefined;
    const header = req.headers.authorization;
    if (header?.startsWith('Basic ')) {
      const decoded = Buffer.from(header.slice(6), 'base64').toString('utf8');
      const sep = decoded.indexOf(':');
      const [name, password] = [decoded.slice(0, sep), decoded.slice(sep + 1)];
      if (sep < 0 || users[name] === undefined || users[name] !== password) {
        requests.push({ user: name, scopes, status: 401 });
        res.writeHead(401, { 'content-type': 'application/json' }).end('{"details":"invalid credentials"}');
        return;
      }
      user = name;
    }
    const access = scopes.flatMap((scope) => {
      const first = scope.indexOf(':');
      const last = scope.lastIndexOf(':');
      if (first < 0 || last <= first) return [];
      const [type, name, actions] = [
        scope.slice(0, first),
        scope.slice(first + 1, last),
        scope.slice(last + 1),
      ];
      if (type !== 'repository') return [];
      const granted = grant(user, name, actions.split(','));
      return granted.length ? [{ type, name, actions: granted }] : [];
    });
    const now = Math.floor(Date.now() / 1000);
    const expiresIn = opts.expiresIn ?? 300;
    const header64 = b64url(JSON.stringify({ alg: 'ES256', typ: 'JWT', x5c: [certDer.toString('base64')] }));
    const claims = b64url(
      JSON.stringify({
        iss: issuer,
        sub: user ?? '',
        aud: service,
        exp: now + expiresIn,
        nbf: now - 10,
        iat: now,
        jti: randomUUID(),
        access,
      }),
    );
    const signature = sign('sha256', Buffer.from(`${header64}.${claims}`), {
      key,
      dsaEncoding: 'ieee-p1363',
    });
    const token = `${header64}.${claims}.${b64url(signature)}`;
    requests.push({ user, scopes, status: 200 });
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        token,
        access_token: token,
        expires_in: expiresIn,
        issued_at: new Date().toISOString(),
      }),
    );
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    requests,
    auth: { kind: 'token', realm: `${url}/token`, service, issuer, rootCertBundle: certFile },
  };
}
