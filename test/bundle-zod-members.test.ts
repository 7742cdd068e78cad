import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
// @ts-expect-error: a plain .mjs build script without type declarations
import { usedMembers } from '../scripts/zod-used-only.mjs';

const count = usedMembers as (root: string) => Promise<Set<string>>;

async function project(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'slipway-zod-members-'));
  for (const dir of ['cli', 'lib', 'pipelines', 'runner', 'server']) await mkdir(join(root, dir));
  for (const [rel, text] of Object.entries(files)) await writeFile(join(root, rel), text);
  return root;
}

test('the bundle keeps the z members read at run time, not those in types or other files', async () => {
  const root = await project({
    'lib/a.ts':
      "import { z } from 'zod';\nconst s = z.object({ a: z.string().regex(/^[a-z]+$/) });\nexport type T = z.infer<typeof s>;\nexport const t = (x: z.core.$ZodIssue) => x;\n",
    'lib/b.ts': "import type { z } from 'zod';\nexport type U = z.ZodType;\n",
    'lib/a.test.ts': "import { z } from 'zod';\nexport const n = z.number();\n",
  });
  try {
    assert.deepEqual([...(await count(root))].sort(), ['object', 'string']);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});

test('a source using z other than as z.<member> stops the bundle', async () => {
  const root = await project({
    'runner/c.ts': "import { z } from 'zod';\nconst { object } = z;\nexport const s = object({});\n",
  });
  try {
    await assert.rejects(count(root), /runner\/c\.ts: zod's z is used other than as z\.<member>/);
  } finally {
    await rm(root, { recursive: true, force: true });
  }
});
