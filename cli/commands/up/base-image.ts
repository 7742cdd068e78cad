import { access, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildImage } from '../../../runner/builder/index.js';
import type { RunnerHost } from '../../../runner/host.js';
import { formatReference, parseReference } from '../../../runner/oci/index.js';
import { makeBusyboxRootfs } from './busybox-rootfs.js';

/**
 * Makes sure `busybox:latest` is in the host's image store; when it is missing, builds it
 * with Slipway's own builder (`FROM scratch`, `COPY` of a rootfs made from the host's
 * busybox-static). Returns the normalised reference and whether it was built now.
 */
export async function ensureBusyboxImage(host: RunnerHost): Promise<{ ref: string; built: boolean }> {
  const ref = formatReference(parseReference('busybox:latest'));
  if (await host.store.getRef(ref)) return { ref, built: false };
  await access('/bin/busybox').catch(() => {
    throw new Error('no busybox image and no /bin/busybox to make one: apt-get install busybox-static');
  });
  const context = await mkdtemp(join(tmpdir(), 'slipway-busybox-'));
  try {
    await makeBusyboxRootfs(join(context, 'rootfs'));
    await writeFile(join(context, 'Dockerfile'), 'FROM scratch\nCOPY rootfs/ /\nCMD ["sh"]\n');
    await buildImage({ contextDir: context, host, tags: [ref], network: 'none' });
  } finally {
    await rm(context, { recursive: true, force: true });
  }
  return { ref, built: true };
}
