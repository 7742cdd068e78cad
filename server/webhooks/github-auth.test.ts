import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { githubWebhook, MAX_BODY_BYTES } from './index.js';

/** Signature, size and body checks, on a real push payload from @octokit/webhooks-examples. */
const definitions = JSON.parse(
  readFileSync(createRequire(import.meta.url).resolve('@octokit/webhooks-examples'), 'utf8'),
) as { name: string; examples: { ref?: string }[] }[];
const push = definitions.find((d) => d.name === 'push')?.examples.find((e) => e.ref === 'refs/heads/master');
const BODY = Buffer.from(JSON.stringify(push));
const SECRET = 'right secret';
const sign = (body: Buffer, secret = SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

async function deliver(
  body: Buffer,
  extra: Record<string, string | undefined>,
  known = ['Codertocat/Hello-World'],
) {
  const asked: string[] = [];
  const headers = { 'x-github-event': 'push', 'x-github-delivery': 'd-2', ...extra };
  const outcome = await githubWebhook(headers, body, (name) => {
    asked.push(name);
    return known.includes(name) ? SECRET : undefined;
  });
  return { outcome, asked };
}

test('the right signature is accepted (so the refusals below are about the signature)', async () => {
  const { outcome } = await deliver(BODY, { 'x-hub-signature-256': sign(BODY) });
  assert.equal(outcome.kind, 'run');
});

test('a wrong signature and an unknown repository get the same 401', async () => {
  const wrong = await deliver(BODY, { 'x-hub-signature-256': sign(BODY, 'wrong secret') });
  const unknown = await deliver(BODY, { 'x-hub-signature-256': sign(BODY) }, []);
  const expected = { kind: 'rejected', status: 401, reason: 'unknown repository or signature mismatch' };
  assert.deepEqual(wrong.outcome, expected);
  assert.deepEqual(unknown.outcome, expected);
  assert.deepEqual(wrong.asked, ['Codertocat/Hello-World']);
});

test('a signature over other bytes is refused: it is checked over the raw body', async () => {
  const reformatted = Buffer.from(JSON.stringify(push, null, 2));
  const { outcome } = await deliver(reformatted, { 'x-hub-signature-256': sign(BODY) });
  assert.deepEqual(outcome, {
    kind: 'rejected',
    status: 401,
    reason: 'unknown repository or signature mismatch',
  });
});

test('a missing, empty or malformed signature is unsigned and refused before any lookup', async () => {
  for (const sig of [undefined, '', 'sha256=', 'sha1=abc', `${sign(BODY)}00`]) {
    const { outcome, asked } = await deliver(BODY, { 'x-hub-signature-256': sig });
    assert.deepEqual(
      outcome,
      { kind: 'rejected', status: 401, reason: 'unsigned: no X-Hub-Signature-256' },
      sig,
    );
    assert.deepEqual(asked, []);
  }
});

test('a body over 5 MiB is refused with 413, at exactly the limit it is read', async () => {
  const big = Buffer.alloc(MAX_BODY_BYTES + 1, ' ');
  const { outcome, asked } = await deliver(big, { 'x-hub-signature-256': sign(big) });
  assert.deepEqual(outcome, { kind: 'rejected', status: 413, reason: `body over ${MAX_BODY_BYTES} bytes` });
  assert.deepEqual(asked, []);
  const padded = Buffer.concat([BODY, Buffer.alloc(MAX_BODY_BYTES - BODY.length, ' ')]);
  assert.equal((await deliver(padded, { 'x-hub-signature-256': sign(padded) })).outcome.kind, 'run');
});

test('malformed JSON, a non-UTF-8 body and missing event headers are 400', async () => {
  for (const body of [
    Buffer.from('{"repository":'),
    Buffer.from([...Buffer.from('{"a":"'), 0xff, ...Buffer.from('"}')]),
  ]) {
    const { outcome } = await deliver(body, { 'x-hub-signature-256': sign(body) });
    assert.deepEqual(outcome, { kind: 'rejected', status: 400, reason: 'body is not UTF-8 JSON' });
  }
  const sig = sign(BODY);
  for (const missing of ['x-github-event', 'x-github-delivery']) {
    const { outcome } = await deliver(BODY, { 'x-hub-signature-256': sig, [missing]: undefined });
    assert.equal(outcome.kind === 'rejected' && outcome.status, 400, missing);
  }
});

test('a signed payload that is not a push is 400, not a crash', async () => {
  const body = Buffer.from(JSON.stringify({ repository: { full_name: 'Codertocat/Hello-World' }, ref: 1 }));
  const { outcome } = await deliver(body, { 'x-hub-signature-256': sign(body) });
  assert.equal(outcome.kind === 'rejected' && outcome.status, 400);
});
