import assert from 'node:assert/strict';
import { test } from 'node:test';
import { build, busyboxDataDir, makeContext } from './build-helpers.js';

test('two clean builds in separate data dirs with the same SOURCE_DATE_EPOCH give the same manifest digest', async () => {
  const contextDir = await makeContext({
    Dockerfile: `FROM busybox:latest AS gen
RUN mkdir -p /out && echo generated > /out/gen.txt && touch /out/empty && ln -s gen.txt /out/link
FROM busybox:latest
WORKDIR /app
COPY --from=gen /out/ ./
COPY src/ ./src/
RUN --mount=type=cache,target=/cache date > /cache/stamp && echo built > built.txt && rm -f /etc/motd
LABEL org.example.version=1
`,
    'src/a.txt': 'a',
    'src/sub/b.txt': 'b',
  });
  const sde = 1_700_000_000;
  const a = await build({ contextDir, dataDir: await busyboxDataDir(), sourceDateEpoch: sde });
  await new Promise((r) => setTimeout(r, 1100)); // a second later: any unclamped time would differ
  const b = await build({ contextDir, dataDir: await busyboxDataDir(), sourceDateEpoch: sde });
  assert.ok(a.steps.some((s) => !s.cached) && b.steps.some((s) => !s.cached), 'both builds ran');
  assert.equal(b.manifestDigest, a.manifestDigest);
  const c = await build({ contextDir, dataDir: await busyboxDataDir(), sourceDateEpoch: sde + 1 });
  assert.notEqual(c.manifestDigest, a.manifestDigest);
});
