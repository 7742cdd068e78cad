import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pushBaseImage } from './helpers/base-images.js';
import { testDockerd } from './helpers/dockerd.js';
import { testRegistry } from './helpers/registry.js';

describe('private dockerd for interop tests', () => {
  it('pulls a base image from a loopback registry over HTTP and runs it without a network', async () => {
    const [docker, registry] = await Promise.all([testDockerd(), testRegistry()]);
    const ref = await pushBaseImage('busybox', registry.host);
    await docker.docker('pull', '--quiet', ref);
    const out = await docker.docker(
      'run',
      '--rm',
      '--network',
      'none',
      ref,
      'sh',
      '-c',
      'id -u; ls /sys/class/net',
    );
    assert.deepEqual(out.trim().split('\n'), ['0', 'lo']);
    const user = await docker.docker('run', '--rm', '--network', 'none', '--user', 'builder', ref, 'id');
    assert.match(user, /uid=1000\(builder\) gid=1000\(builder\)/);
  });

  it('is private: its socket and containers belong to it alone', async () => {
    const docker = await testDockerd();
    const info = await docker.docker('info', '--format', '{{.DockerRootDir}} {{.Containers}}');
    const [root, count] = info.trim().split(' ');
    assert.match(root ?? '', /^\/tmp\/dockerd-/);
    assert.equal(count, '0');
    assert.match(docker.host, /^unix:\/\/\/tmp\/dockerd-.*\/docker\.sock$/);
  });
});
