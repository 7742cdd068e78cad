import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { it } from 'node:test';
import { HELPER_SCRIPT } from './helper-script.js';

const hex = (s: string) => `x${Buffer.from(s).toString('hex')}`;

// Every waitpid that reaps a command is followed at once by a run of the SIGCHLD handler, as Perl
// does when a signal lands between that waitpid and the next statement: the worst moment an exit
// can land, made certain instead of rare.
const HANDLER_AFTER_EACH_REAP = `BEGIN { *CORE::GLOBAL::waitpid = sub {
  my $r = CORE::waitpid($_[0], $_[1]); $SIG{CHLD}->('CHLD') if $r > 0 && ref $SIG{CHLD}; return $r; }; }`;

it('a SIGCHLD handled in the middle of a reap leaves every command its own exit status', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'helper-script-'));
  const helper = spawn('perl', ['-e', `${HANDLER_AFTER_EACH_REAP}\n${HELPER_SCRIPT}`], { stdio: 'pipe' });
  try {
    const count = 30;
    const statuses = new Map<string, number>();
    const done = new Promise<void>((resolve) => {
      createInterface({ input: helper.stdout }).on('line', (line) => {
        const [kind, id, status] = line.split(' ');
        if (kind === 'x' && id) statuses.set(id, Number(status));
        if (statuses.size === count) resolve();
      });
    });
    for (let i = 0; i < count; i++) {
      const out = join(dir, `out-${i}`);
      const err = join(dir, `err-${i}`);
      writeFileSync(out, '');
      writeFileSync(err, '');
      const fields = [
        hex(out),
        hex(err),
        '-',
        '-',
        '-',
        hex('/bin/sh'),
        hex('sh'),
        hex('-c'),
        hex(`exit ${i % 7}`),
      ];
      helper.stdin.write(`${i} ${fields.join(' ')}\n`);
    }
    await done;
    const wrong = [...statuses].filter(([id, status]) => status !== (Number(id) % 7) << 8);
    assert.deepEqual(wrong, [], 'each [request, wait status] here was reported wrongly');
  } finally {
    helper.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
