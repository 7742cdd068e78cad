import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, chown, link, mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runTool } from '../lib/proc.js';
import { requireRoot } from './helpers/requirements.js';
import { tempDir } from './helpers/tmp.js';
import { diffListings, listDir, listTar } from './helpers/tree-listing.js';

async function sampleTree(): Promise<string> {
  const root = join(await tempDir('tree'), 'root');
  await mkdir(join(root, 'etc/sub'), { recursive: true });
  await writeFile(join(root, 'etc/a'), 'alpha\n');
  await chown(join(root, 'etc/a'), 1000, 65534); // before chmod: chown clears setuid
  await chmod(join(root, 'etc/a'), 0o4755);
  await link(join(root, 'etc/a'), join(root, 'etc/sub/a-hard'));
  await symlink('../a', join(root, 'etc/sub/a-sym'));
  await chmod(join(root, 'etc/sub'), 0o1777);
  return root;
}

describe('tree listings of a directory and of a tar agree field by field', () => {
  it('paths, types, modes, owners, content, link targets and hard links', async () => {
    requireRoot();
    const root = await sampleTree();
    const tarFile = join(root, '..', 'tree.tar');
    await runTool('tar', ['--create', '--numeric-owner', `--file=${tarFile}`, '-C', root, '.']);
    const fromDir = await listDir(root);
    const fromTar = await listTar(createReadStream(tarFile));
    assert.deepEqual(diffListings(fromDir, fromTar), []);
    assert.deepEqual(
      [...fromDir.keys()],
      ['/etc', '/etc/a', '/etc/sub', '/etc/sub/a-hard', '/etc/sub/a-sym'],
    );
    assert.deepEqual(fromDir.get('/etc/sub/a-hard'), {
      path: '/etc/sub/a-hard',
      type: 'file',
      mode: '4755',
      owner: '1000:65534',
      size: 6,
      sha256: createHash('sha256').update('alpha\n').digest('hex'),
      linkGroup: '/etc/a',
    });
    assert.equal(fromTar.get('/etc/sub/a-sym')?.target, '../a');
    assert.equal(fromTar.get('/etc/sub')?.mode, '1777');
  });

  it('reports what differs, and honours ignored subtrees', async () => {
    requireRoot();
    const root = await sampleTree();
    const before = await listDir(root);
    await chmod(join(root, 'etc/a'), 0o755);
    await writeFile(join(root, 'etc/new'), 'n');
    const after = await listDir(root);
    const diff = diffListings(before, after, ['before', 'after']);
    assert.ok(diff.includes('/etc/a: mode 4755 in before, 0755 in after'), diff.join('\n'));
    assert.ok(diff.includes('/etc/sub/a-hard: mode 4755 in before, 0755 in after'));
    assert.ok(diff.includes('/etc/new: only in after (file)'));
    assert.deepEqual([...(await listDir(root, ['/etc/new', '/etc/a', '/etc/sub'])).keys()], ['/etc']);
  });
});
