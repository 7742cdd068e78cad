import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mkdirInRoot, resolveInRoot } from './root-path.js';
import { readImageFile, resolveUser } from './users.js';

const passwd =
  'root:x:0:0:root:/root:/bin/sh\nbuilder:x:1000:1000::/home/builder:/bin/sh\n#c\nweb:x:33:33::/var/www:/bin/false\n';
const group = 'root:x:0:\nbuilder:x:1000:\ndocker:x:999:builder,web\naudio:x:29:builder\nstaff:x:50:\n';

test('resolveUser: names, ids, groups and additional groups', () => {
  assert.deepEqual(resolveUser(undefined, passwd, group), {
    uid: 0,
    gid: 0,
    additionalGids: [],
    home: '/root',
  });
  assert.deepEqual(resolveUser('builder', passwd, group), {
    uid: 1000,
    gid: 1000,
    additionalGids: [999, 29],
    home: '/home/builder',
  });
  assert.deepEqual(resolveUser('1000', passwd, group), {
    uid: 1000,
    gid: 1000,
    additionalGids: [999, 29],
    home: '/home/builder',
  });
  assert.deepEqual(resolveUser('builder:staff', passwd, group), {
    uid: 1000,
    gid: 50,
    additionalGids: [],
    home: '/home/builder',
  });
  assert.deepEqual(resolveUser('4242:4343', passwd, group), {
    uid: 4242,
    gid: 4343,
    additionalGids: [],
    home: '/',
  });
  assert.deepEqual(resolveUser('4242', '', ''), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  assert.throws(() => resolveUser('nobody', passwd, group), /user "nobody" not found/);
  assert.throws(() => resolveUser('web:nogroup', passwd, group), /group "nogroup" not found/);
});

test('resolveInRoot keeps hostile symlinks inside the root', async () => {
  const root = await mkdtemp(join(tmpdir(), 'slipway-root-'));
  after(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'etc'));
  await symlink('/etc/shadow', join(root, 'etc/passwd'));
  await symlink('../../../../etc', join(root, 'up'));
  await symlink('/etc', join(root, 'abs'));
  assert.equal(await resolveInRoot(root, '/etc/passwd'), join(root, 'etc/shadow'));
  assert.equal(await resolveInRoot(root, '/up/hosts'), join(root, 'etc/hosts'));
  assert.equal(await resolveInRoot(root, '/abs/x/../y'), join(root, 'etc/y'));
  assert.equal(await resolveInRoot(root, '/../../tmp'), join(root, 'tmp'));
  assert.equal(await readImageFile(root, '/etc/passwd'), '');
  await writeFile(join(root, 'etc/shadow'), 'inside');
  assert.equal(await readImageFile(root, '/etc/passwd'), 'inside');
  const made = await mkdirInRoot(root, '/up/work/dir');
  assert.equal(made, join(root, 'etc/work/dir'));
});
