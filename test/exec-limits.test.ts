import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { defaultMemoryBytes } from '../runner/runtime/hardening.js';
import { requireBinary, requireRoot } from './helpers/requirements.js';
import { seedStore } from './helpers/seed-store.js';
import { slipway } from './helpers/slipway-cli.js';
import { tempDir } from './helpers/tmp.js';

/** Allocates a 400 MiB buffer: fits in 1 GiB, not in 256 MiB. */
const HOG = 'dd if=/dev/zero of=/dev/null bs=400M count=1';
/** A service that says on port 7000 whether a 400M allocation fitted in its own limit. */
const PROBE_SERVICE = `      - name: probe
        image: busybox:latest
        command: |
          if ${HOG}; then says=unlimited; else says=limited; fi
          while true; do echo "$says" | nc -l -p 7000; done
        ready: { port: 7000, timeout: 20s }
`;
/** Starts up to 100 background sleepers and says how many it could fork. */
const FORKS = 'n=0; while [ $n -lt 100 ] && (sleep 5 &) 2>/dev/null; do n=$((n + 1)); done; echo "forked $n"';

async function repoWith(pipeline: string): Promise<string> {
  const repo = await tempDir('exec-limits');
  await writeFile(join(repo, '.slipway.yml'), pipeline);
  return repo;
}

describe('slipway exec: resources and network of steps', () => {
  let dataDir: string;
  before(async () => {
    requireRoot();
    requireBinary('runc', 'runc');
    dataDir = await tempDir('exec-limits-data');
    await seedStore(dataDir, 'busybox', ['busybox:latest']);
  });

  it("limits a step's memory from its resources, over the job's; services get the job's", async () => {
    const repo = await repoWith(`image: busybox:latest
jobs:
  limits:
    resources: { memory: 200M }
    services:
${PROBE_SERVICE}    steps:
      - name: service limit
        run: echo "the service says $(nc probe 7000 </dev/null)"
      - name: roomy
        resources: { memory: 1G }
        run: ${HOG} && echo "400M fitted"
      - name: hog
        resources: { memory: 256M }
        run: ${HOG} && echo "hog was not stopped"
`);
    const res = await slipway(['exec', repo, '--data-dir', dataDir]);
    assert.equal(res.code, 1, res.out);
    assert.match(res.out, /the service says limited/);
    assert.match(res.out, /400M fitted/);
    assert.match(res.out, /✖ hog: out of memory \(limit 256 MiB\)/);
    assert.doesNotMatch(res.out, /hog was not stopped/);
  });

  it('applies the runner defaults --memory and --pids where the pipeline sets none', async () => {
    const repo = await repoWith(`image: busybox:latest
jobs:
  defaults:
    steps:
      - name: default pids
        run: '${FORKS} default'
      - name: own pids
        resources: { pids: 200 }
        run: '${FORKS} own'
      - name: pipeline limit wins
        resources: { memory: 1G }
        run: ${HOG} && echo "400M fitted"
      - name: runner default
        run: ${HOG} && echo "hog was not stopped"
`);
    const res = await slipway(['exec', repo, '--data-dir', dataDir, '--memory', '256M', '--pids', '40']);
    assert.equal(res.code, 1, res.out);
    const forked = (which: string) => Number(new RegExp(`forked (\\d+) ${which}`).exec(res.out)?.[1]);
    assert.ok(forked('default') > 10 && forked('default') < 40, res.out);
    assert.equal(forked('own'), 100, res.out);
    assert.match(res.out, /400M fitted/);
    assert.match(res.out, /✖ runner default: out of memory \(limit 256 MiB\)/);
    assert.doesNotMatch(res.out, /hog was not stopped/);
  });

  it('limits the memory of a step and a service that set none, with no flag too', async () => {
    // The limit of the container's cgroup as the step sees it (v2: its own; v1: with its parents').
    const LIMIT =
      'echo "limit $(cat /sys/fs/cgroup/memory.max 2>/dev/null || awk \'$1 == "hierarchical_memory_limit" { print $2 }\' /sys/fs/cgroup/memory/memory.stat)"';
    const repo = await repoWith(`image: busybox:latest
jobs:
  unset:
    services:
${PROBE_SERVICE}    steps:
      - name: limit
        run: |
          ${LIMIT}
      - name: service limit
        run: echo "the service says $(nc probe 7000 </dev/null)"
      - name: hog
        run: ${HOG} && echo "hog was not stopped"
`);
    // The built-in default with no flag (checked, not filled: 2 GiB is too much to allocate here).
    const plain = await slipway(['exec', repo, '--data-dir', dataDir]);
    assert.match(plain.out, new RegExp(`\\blimit ${defaultMemoryBytes()}\\n`), plain.out);
    // A small runner default, filled by a step and a service that set no resources.
    requireBinary('crun', 'crun');
    for (const runtime of ['runc', 'crun']) {
      const small = await slipway([
        'exec',
        repo,
        '--data-dir',
        dataDir,
        '--memory',
        '96M',
        '--runtime',
        runtime,
      ]);
      assert.equal(small.code, 1, small.out);
      assert.match(small.out, new RegExp(`\\blimit ${96 * 1024 * 1024}\\n`), small.out);
      assert.match(small.out, /the service says limited/);
      assert.match(small.out, /✖ hog: out of memory \(limit 96 MiB\)/);
      assert.doesNotMatch(small.out, /hog was not stopped/);
    }
  });

  it('gives a network: none step loopback only, while the next step reaches the service', async () => {
    const repo = await repoWith(`image: busybox:latest
jobs:
  offline:
    services:
      - name: echo
        image: busybox:latest
        command: ["sh", "-c", "while true; do echo pong | nc -l -p 7000; done"]
        ready: { port: 7000, timeout: 20s }
    steps:
      - name: online before
        run: |
          awk '$2 == "echo" { print $1 }' /etc/hosts > svc-ip
          echo "service ip: $(cat svc-ip)"
          echo "before: $(nc echo 7000 </dev/null)"
      - name: cut off
        network: none
        run: |
          echo "interfaces: $(awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' /proc/net/dev | tr '\\n' ' ')"
          ip -o link | awk -F': ' '{ print "link: " $2 }'
          if out=$(nc -w 2 echo 7000 </dev/null 2>/dev/null) && [ -n "$out" ]; then echo "by name: $out"; else echo "by name: unreachable"; fi
          if out=$(nc -w 2 "$(cat svc-ip)" 7000 </dev/null 2>/dev/null) && [ -n "$out" ]; then echo "by ip: $out"; else echo "by ip: unreachable"; fi
      - name: online after
        run: |
          for i in 1 2 3 4 5; do out=$(nc -w 2 echo 7000 </dev/null) && [ "$out" = pong ] && break; sleep 1; done
          echo "after: $out"
          echo "interfaces after: $(awk -F: 'NR > 2 { gsub(/ /, "", $1); print $1 }' /proc/net/dev | sort | tr '\\n' ' ')"
`);
    const res = await slipway(['exec', repo, '--data-dir', dataDir]);
    assert.equal(res.code, 0, res.out);
    assert.match(res.out, /service ip: \d+\.\d+\.\d+\.\d+\n/);
    assert.match(res.out, /before: pong/);
    assert.match(res.out, /interfaces: lo \n/);
    assert.deepEqual(
      [...res.out.matchAll(/link: (\S+)/g)].map((m) => m[1]),
      ['lo'],
    );
    assert.match(res.out, /by name: unreachable/);
    assert.match(res.out, /by ip: unreachable/);
    assert.match(res.out, /after: pong/);
    // the job network is real in the steps around it: more than loopback
    assert.match(res.out, /interfaces after: (?=.*\blo\b)(?=.*\beth\d)/);
  });
});
