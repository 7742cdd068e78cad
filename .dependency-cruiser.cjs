/**
 * Import rules (npm test runs `depcruise`): no cycles (type-only imports included), each
 * module's public face is its index.ts, the pipeline language stands alone, the runner never
 * reaches into the server or the CLI, webhooks neither, and the builder knows nothing of JobSpecs.
 * Modules: runner/{oci,runtime,executor,builder,rootfs}, pipelines, server/<area>.
 * Tests and benches may reach into a module (they test its internals); cycles are banned there too.
 */
const MODULES = '(runner/(?:oci|runtime|executor|builder|rootfs|worker)|pipelines|server/[^/]+)';
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'An import cycle, type-only imports included. Move the shared part down a level.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'public-face-only',
      severity: 'error',
      comment: 'Import another module only through its index.ts (its public face); add the name there.',
      from: { path: `^${MODULES}/`, pathNot: '\\.test\\.ts$' },
      to: { path: `^${MODULES}/.+`, pathNot: [`^${MODULES}/index\\.ts$`, '^$1/'] },
    },
    {
      name: 'public-face-only-outside-modules',
      severity: 'error',
      comment:
        'The CLI, lib and the top-level files of runner/ and server/ use modules through their index.ts.',
      from: { path: '^(cli/|lib/|runner/[^/]+$|server/[^/]+$)' },
      to: { path: `^${MODULES}/.+`, pathNot: `^${MODULES}/index\\.ts$` },
    },
    {
      name: 'pipelines-stand-alone',
      severity: 'error',
      comment: 'pipelines/ is the language and the wire contract: it imports nothing else of the project.',
      from: { path: '^pipelines/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(runner|server|cli|lib|test|bench)/' },
    },
    {
      name: 'runner-not-server-or-cli',
      severity: 'error',
      comment: 'The runner runs on build hosts: it may not depend on the server or the CLI.',
      from: { path: '^runner/' },
      to: { path: '^(server|cli)/' },
    },
    {
      name: 'webhooks-pure',
      severity: 'error',
      comment: 'server/webhooks turns deliveries into events: it may not depend on the runner or the CLI.',
      from: { path: '^server/webhooks/' },
      to: { path: '^(runner|cli)/' },
    },
    {
      name: 'builder-knows-no-jobspec',
      severity: 'error',
      comment: "The builder builds Dockerfiles; turning a JobSpec into a build is the executor's job.",
      from: { path: '^runner/builder/' },
      to: { path: '^(pipelines|runner/executor)/' },
    },
    {
      name: 'production-not-tests',
      severity: 'error',
      comment: 'Shipped code may not import test helpers or benches.',
      from: { path: '^(runner|cli|lib|server|pipelines)/', pathNot: '\\.test\\.ts$' },
      to: { path: '^(test|bench)/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|testdata|fixtures)/' },
    parser: 'swc',
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.mjs'] },
  },
};
