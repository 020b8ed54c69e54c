/**
 * `npm run build`'s second step (after tsc has type-checked): the CLI and everything it imports, but
 * ssh2, as ONE file, dist/cli.js. Node loads it in a fraction of the time it takes to resolve and
 * load ~300 modules one by one, which every run paid before a host was even contacted.
 *
 * ssh2 stays in node_modules: it finds its optional native parts (cpu-features, its crypto binding)
 * and its WebAssembly next to its own files.
 */
import { build } from 'esbuild';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
rmSync(new URL('../dist', import.meta.url), { recursive: true, force: true });

const result = await build({
  absWorkingDir: root,
  entryPoints: ['src/cli.ts'],
  outfile: 'dist/cli.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  // loaded only when a host is contacted (src/transport/ssh-host.ts imports node-ssh then)
  external: ['ssh2', 'node-ssh'],
  // the CommonJS packages inside call require() for Node's own modules: give the ES module one
  banner: { js: "import { createRequire as cpCreateRequire } from 'node:module';\nconst require = cpCreateRequire(import.meta.url);" },
  logLevel: 'warning',
});
if (result.warnings.length > 0) {
  console.error(`bundle: ${result.warnings.length} warning(s), see above`);
  process.exit(1);
}
