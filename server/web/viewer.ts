import { TOKEN_COOKIE } from '../api/index.js';
import type { ApiTokenInfo, Repo } from '../store/index.js';

export { TOKEN_COOKIE };

/** Public repositories are seen by anyone, private ones only by a viewer with a token. */
export function canSee(repo: Repo, viewer: ApiTokenInfo | undefined): boolean {
  return repo.public || viewer !== undefined;
}
