/** A username/password for one registry. */
export interface Credential {
  username: string;
  password: string;
}

/** Looks up the credential for a registry host (`docker.io`, `127.0.0.1:5000`), if any. */
export type CredentialLookup = (registry: string) => Promise<Credential | undefined>;
