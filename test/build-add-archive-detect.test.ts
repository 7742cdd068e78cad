import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { detectArchive } from '../runner/builder/context/archive.js';
import { tempDir } from './helpers/tmp.js';

// Which local ADD sources are unpacked: the rule of Docker 20.10's builder (decompress once by
// magic, then a valid tar header), with archives made by GNU tar and the real compressors.

test('ADD archives are detected by content: a tar, plain or in a compression Docker unpacks', async () => {
  const dir = await tempDir('arch');
  await mkdir(join(dir, 'tree'));
  await writeFile(join(dir, 'tree', 'f'), 'x');
  const tar = (args: string[]) => execFileSync('tar', ['-C', join(dir, 'tree'), ...args, '.']);
  await writeFile(join(dir, 'noext'), tar(['--format=ustar', '-cf', '-']));
  await writeFile(join(dir, 'v7'), tar(['--format=v7', '-cf', '-']));
  await writeFile(join(dir, 'g'), tar(['-czf', '-']));
  await writeFile(join(dir, 'b'), tar(['-cjf', '-']));
  await writeFile(join(dir, 'x'), tar(['-cJf', '-']));
  await writeFile(join(dir, 'z'), tar(['--zstd', '-cf', '-']));
  await writeFile(join(dir, 'plain.tar.gz'), 'not really an archive');
  await writeFile(join(dir, 'text.gz'), gzipSync('just text, no tar inside'));
  await writeFile(join(dir, 'twice.tar.gz.gz'), gzipSync(await readFile(join(dir, 'g'))));
  await writeFile(join(dir, 'cut.gz'), Buffer.from([0x1f, 0x8b, 8, 0]));
  const fakeHeader = Buffer.alloc(512);
  fakeHeader.write('ustar', 257, 'latin1'); // magic without a valid checksum
  await writeFile(join(dir, 'fake'), fakeHeader);
  const kinds: Record<string, string | undefined> = {};
  for (const name of [
    'noext',
    'v7',
    'g',
    'b',
    'x',
    'z',
    'plain.tar.gz',
    'text.gz',
    'twice.tar.gz.gz',
    'cut.gz',
    'fake',
  ])
    kinds[name] = await detectArchive(join(dir, name));
  assert.deepEqual(kinds, {
    noext: 'tar',
    v7: 'tar',
    g: 'gzip',
    b: 'bzip2',
    x: 'xz',
    z: undefined, // Docker 20.10's builder does not unpack zstd: copied as a file
    'plain.tar.gz': undefined,
    'text.gz': undefined,
    'twice.tar.gz.gz': undefined,
    'cut.gz': undefined,
    fake: undefined,
  });
});
