import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../../runner/builder/index.js';
import { dataDirPaths } from '../../../runner/data-dir.js';
import { formatReference, parseReference } from '../../../runner/oci/reference.js';
import { openImageStore } from '../../../runner/oci/store/index.js';
import { makeBusyboxRootfs } from './busybox-rootfs.js';

/**
 * Makes sure `busybox:latest` is in the image store of `dataDir`; when it is missing, builds it
 * with Slipway's own builder (`FROM scratch`, `COPY` of a rootfs made from the host's
 * busybox-static). Returns the normalised reference and whether it was built now.
 */
export async function ensureBusyboxImage(dataDir: string): Promise<{ ref: string; built: boolean }> {
  const ref = formatReference(parseReference('busybox:latest'));
  const store = await openImageStore(dataDirPaths.images(dataDir));
  if (await store.getRef(ref)) return { ref, built: false };
  await access('/bin/busybox').catch(() => {
    throw new Error('no busybox image and no /bin/busybox to make one: apt-get install busybox-static');
  });
  const context = await mkdtemp(join(tmpdir(), 'slipway-busybox-'));
  try {
    await makeBusyboxRootfs(join(context, 'rootfs'));
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n');
    await buildImage({ contextDir: context, dataDir, tags: [ref], network: 'none' });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return { ref, built: true };
}
