import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type DockerSeccompProfile,
  dockerToOciSeccomp,
  loadDockerSeccompProfile,
  restrictNamespaces,
} from './seccomp.js';

const profile: DockerSeccompProfile = {
  defaultAction: 'SCMP_ACT_ERRNO',
  defaultErrnoRet: 38,
  archMap: [
    { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
    { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
  ],
  syscalls: [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
    { name: 'legacy', action: 'SCMP_ACT_ALLOW' },
    { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, excludes: { caps: ['CAP_SYS_ADMIN'] } },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
    { names: ['arm_fadvise64_64'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm', 'arm64'] } },
    { names: ['newthing'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '6.0' } },
    { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
  ],
};

test('dockerToOciSeccomp covers the native ABI only unless compat architectures are asked for', () => {
  const native = dockerToOciSeccomp(profile, ['CAP_CHOWN'], { goArch: 'amd64' });
  assert.deepEqual(native.architectures, ['SCMP_ARCH_X86_64']);
  const arm = dockerToOciSeccomp(profile, ['CAP_CHOWN'], { goArch: 'arm64' });
  assert.deepEqual(arm.architectures, ['SCMP_ARCH_AARCH64']);
});

test('dockerToOciSeccomp keeps native arches, resolves caps/arch/kernel filters, args and errnoRet', () => {
  const oci = dockerToOciSeccomp(profile, ['CAP_CHOWN'], {
    goArch: 'amd64',
    kernel: '5.10.0-1-amd64',
    compatArchitectures: true,
  });
  assert.equal(oci.defaultAction, 'SCMP_ACT_ERRNO');
  assert.equal(oci.defaultErrnoRet, 38);
  assert.deepEqual(oci.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
  assert.deepEqual(oci.syscalls, [
    { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
    { names: ['legacy'], action: 'SCMP_ACT_ALLOW' },
    { names: ['mount'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
    { names: ['arch_prctl'], action: 'SCMP_ACT_ALLOW' },
    {
      names: ['personality'],
      action: 'SCMP_ACT_ALLOW',
      args: [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }],
    },
  ]);
});

test('dockerToOciSeccomp: holding the cap flips include/exclude rules; newer kernel admits minKernel rules', () => {
  const oci = dockerToOciSeccomp(profile, ['CAP_SYS_ADMIN'], {
    goArch: 'arm64',
    kernel: '6.18.1',
    compatArchitectures: true,
  });
  assert.deepEqual(oci.architectures, ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM']);
  const names = oci.syscalls.map((s) => `${s.names.join(',')}:${s.action}`);
  assert.ok(names.includes('mount:SCMP_ACT_ALLOW'));
  assert.ok(!names.includes('mount:SCMP_ACT_ERRNO'));
  assert.ok(names.includes('arm_fadvise64_64:SCMP_ACT_ALLOW'));
  assert.ok(!names.includes('arch_prctl:SCMP_ACT_ALLOW'));
  assert.ok(names.includes('newthing:SCMP_ACT_ALLOW'));
});

test('the containers-common profile converts: EPERM for init_module without CAP_SYS_MODULE', async () => {
  const oci = dockerToOciSeccomp(await loadDockerSeccompProfile(), ['CAP_CHOWN', 'CAP_KILL'], {
    goArch: 'amd64',
  });
  assert.ok(oci.syscalls.length > 10);
  const allowed = new Set(
    oci.syscalls.filter((s) => s.action === 'SCMP_ACT_ALLOW' && !s.args).flatMap((s) => s.names),
  );
  assert.ok(allowed.has('read'));
  assert.ok(!allowed.has('init_module'));
  const denied = oci.syscalls.find((s) => s.names.includes('init_module'));
  assert.equal(denied?.action, 'SCMP_ACT_ERRNO');
  assert.equal(denied?.errnoRet, 1);
});

test('restrictNamespaces: without CAP_SYS_ADMIN, clone loses namespace flags and unshare/mount/setns are EPERM', () => {
  const oci = restrictNamespaces(
    {
      defaultAction: 'SCMP_ACT_ERRNO',
      architectures: [],
      syscalls: [{ names: ['read', 'clone', 'unshare', 'mount'], action: 'SCMP_ACT_ALLOW' }],
    },
    ['CAP_CHOWN'],
    'amd64',
  );
  assert.deepEqual(oci.syscalls[0], { names: ['read'], action: 'SCMP_ACT_ALLOW' });
  const clone = oci.syscalls.find((s) => s.names.includes('clone'));
  assert.deepEqual(clone?.args, [{ index: 0, value: 0x7e020000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }]);
  const denied = oci.syscalls.find((s) => s.names.includes('unshare'));
  assert.equal(denied?.action, 'SCMP_ACT_ERRNO');
  assert.ok(denied?.names.includes('mount') && denied.names.includes('setns'));
  const withAdmin = { defaultAction: 'SCMP_ACT_ERRNO', architectures: [], syscalls: [] };
  assert.equal(restrictNamespaces(withAdmin, ['CAP_SYS_ADMIN']), withAdmin);
});
