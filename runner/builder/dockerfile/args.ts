/**
 * Build-argument scoping, Docker's rules: ARGs before the first FROM are global and only FROM
 * lines see them (a stage re-declares `ARG NAME` to use one); a stage ARG takes the
 * `--build-arg` value, else (without a default) the global value, else its default. ENV
 * (including the base image's Env) wins over an ARG of the same name. The proxy variables are
 * predefined: passed to RUN without being declared, kept out of history and cache keys.
 */
export const PREDEFINED_PROXY_ARGS = new Set([
  'HTTP_PROXY',
  'http_proxy',
  'HTTPS_PROXY',
  'https_proxy',
  'FTP_PROXY',
  'ftp_proxy',
  'NO_PROXY',
  'no_proxy',
  'ALL_PROXY',
  'all_proxy',
]);

/** BuildKit's automatic platform args (Slipway builds linux/amd64 only). */
export const AUTOMATIC_PLATFORM_ARGS: Record<string, string> = {
  TARGETPLATFORM: 'linux/amd64',
  TARGETOS: 'linux',
  TARGETARCH: 'amd64',
  TARGETVARIANT: '',
  BUILDPLATFORM: 'linux/amd64',
  BUILDOS: 'linux',
  BUILDARCH: 'amd64',
  BUILDVARIANT: '',
};

/** Env list (`K=V`) → map; later entries win, as in an image config. */
export function envListToMap(env: string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of env) {
    const eq = e.indexOf('=');
    if (eq > 0) m.set(e.slice(0, eq), e.slice(eq + 1));
    else if (e !== '') m.set(e, '');
  }
  return m;
}

/** The variables one instruction sees: env first, then declared args with a value. */
export class VariableScope {
  readonly env: Map<string, string>;
  /** Declared ARGs; undefined value = declared without value (unset). */
  readonly args = new Map<string, string | undefined>();

  constructor(env: string[] | Map<string, string>) {
    this.env = env instanceof Map ? new Map(env) : envListToMap(env);
  }

  lookup = (name: string): string | undefined => this.env.get(name) ?? this.args.get(name) ?? undefined;

  clone(): VariableScope {
    const c = new VariableScope(this.env);
    for (const [k, v] of this.args) c.args.set(k, v);
    return c;
  }
}

/** The value an `ARG name[=default]` gets in a stage (default already substituted). */
export function resolveArg(
  name: string,
  substitutedDefault: string | undefined,
  buildArgs: Record<string, string>,
  globals: Map<string, string | undefined>,
): string | undefined {
  if (Object.hasOwn(buildArgs, name)) return buildArgs[name];
  if (substitutedDefault !== undefined) return substitutedDefault;
  if (globals.has(name)) return globals.get(name);
  return AUTOMATIC_PLATFORM_ARGS[name];
}
