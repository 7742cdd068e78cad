import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import {
  deliberateDifferencesSection,
  readDeliberateDifference,
  withoutField,
} from './helpers/conformance-difference.js';
import { type DockerFixtureResult, dockerFixtureResults } from './helpers/docker-build.js';
import { diffConfigs } from './helpers/docker-build-config.js';
import { slipwayBuildSummary } from './helpers/docker-build-slipway.js';
import { requireRoot } from './helpers/requirements.js';
import { diffListings, type TreeListing } from './helpers/tree-listing.js';

// Every fixture in test/fixtures/dockerfiles built by Slipway and by Docker's builder (a private
// dockerd, busybox:latest imported from the same locally made image) must give the same
// filesystem (paths, types, modes, owners, content, link targets, hard link groups) and the same
// config. Docker's results are cached per fixture content, so reruns only build with Slipway.
// A fixture declaring a deliberate difference (helpers/conformance-difference.ts) is compared
// without that one config field, and each side's value of it is asserted on its own.

const ROOT = join(import.meta.dirname, 'fixtures', 'dockerfiles');
const fixtures = readdirSync(ROOT)
  .filter((n) => /^\d\d-/.test(n))
  .sort()
  .map((name) => ({ name, dir: join(ROOT, name) }));

const asListing = (entries: DockerFixtureResult['listing']): TreeListing =>
  new Map(entries.map((e) => [e.path, e]));

describe('Dockerfile conformance: Slipway vs Docker', { concurrency: 3 }, () => {
  let docker: Map<string, DockerFixtureResult>;
  before(async () => {
    requireRoot();
    docker = await dockerFixtureResults(fixtures);
  });

  it('has at least 60 fixtures, each built by Docker', () => {
    assert.ok(fixtures.length >= 60, `only ${fixtures.length} fixtures in ${ROOT}`);
    assert.deepEqual(
      [...docker.keys()].sort(),
      fixtures.map((f) => f.name),
    );
  });

  it('every fixture declaring a deliberate difference is named in the builder README', () => {
    const section = deliberateDifferencesSection();
    const declared = fixtures.filter((f) => readDeliberateDifference(f.dir)).map((f) => f.name);
    assert.ok(declared.length > 0, 'no fixture declares a deliberate difference');
    assert.deepEqual(
      declared.filter((name) => !section.includes(`\`${name}\``)),
      [],
      'fixtures missing from "Deliberate differences from Docker" in runner/builder/README.md',
    );
  });

  it("flattening Docker's layers gives what docker export shows", () => {
    const problems = [...docker].flatMap(([name, r]) => r.flattenVsExport.map((l) => `${name}: ${l}`));
    assert.deepEqual(problems, []);
  });

  // Tools that convert an image to OCI drop these Docker-only fields, and a comparison of two
  // empty fields passes: so the fixture that sets all three must show them on Docker's side.
  it("reads Healthcheck, Shell and OnBuild from Docker's raw config blob", () => {
    const config = docker.get('91-config-raw-fields')?.config;
    assert.deepEqual(
      { Healthcheck: config?.Healthcheck, Shell: config?.Shell, OnBuild: config?.OnBuild },
      {
        Healthcheck: { Interval: 7e9, Retries: 2, Test: ['CMD-SHELL', 'test -f /ready'], Timeout: 3e9 },
        Shell: ['/bin/sh', '-e', '-c'],
        OnBuild: ['RUN touch /onbuild-ran', 'ENV CHILD=1'],
      },
    );
  });

  for (const { name, dir } of fixtures)
    it(name, async () => {
      const expected = docker.get(name)!;
      const actual = await slipwayBuildSummary(dir);
      const fsDiff = diffListings(asListing(expected.listing), asListing(actual.listing), [
        'docker',
        'slipway',
      ]);
      const difference = readDeliberateDifference(dir);
      const field = difference?.configField;
      const configDiff = diffConfigs(
        withoutField(expected.config, field),
        withoutField(actual.config, field),
        ['docker', 'slipway'],
      );
      const via = expected.builtFrom === 'fixture' ? '' : ' (Docker built its docker20 equivalent)';
      assert.ok(
        fsDiff.length === 0 && configDiff.length === 0,
        `${name}${via} differs:\n  filesystem:\n    ${fsDiff.join('\n    ') || 'same'}\n  config:\n    ${configDiff.join('\n    ') || 'same'}`,
      );
      if (difference && field) {
        assert.deepEqual(actual.config[field], difference.slipway, `${name}: Slipway's ${field}`);
        assert.deepEqual(expected.config[field], difference.docker, `${name}: Docker's ${field}`);
      }
    });
});
