/**
 * runner/rootfs — what the runtime and the builder share about a container's root: the overlay
 * mount of image layers, paths resolved inside a root (symlinks never lead out of it), and
 * users and groups read from the image's /etc/passwd and /etc/group.
 */
export { makeFifo } from './fifo.js';
export { mountOverlay, mountsUnder, type OverlayIdmap, type OverlayRoot, unmountOverlay } from './overlay.js';
export { mkdirInRoot, resolveInRoot } from './root-path.js';
export {
  parseGroup,
  parsePasswd,
  type ResolvedUser,
  readImageFile,
  resolveImageUser,
  resolveUser,
} from './users.js';
