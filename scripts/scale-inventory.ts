/**
 * The inventories of BENCHMARKS.md's "Inventory scale": N hosts with nginx and one service
 * (examples/hello), written to stdout.
 *
 *   npx tsx scripts/scale-inventory.ts 1000 > /tmp/inventory-1000.yml           (one line per host, each with its ansible_host)
 *   npx tsx scripts/scale-inventory.ts 20000 --range > /tmp/inventory-20000.yml  (one range: web[1:20000])
 *
 * The key file it names must exist (validate checks it): `touch /tmp/scale-key`.
 */
import { fileURLToPath } from 'node:url';

const count = Number(process.argv[2]);
if (!Number.isSafeInteger(count) || count < 1) {
  process.stderr.write('usage: scale-inventory.ts N [--range]\n');
  process.exit(2);
}
const hello = fileURLToPath(new URL('../examples/hello', import.meta.url));
const hosts = process.argv.includes('--range')
  ? [`    web[1:${count}]:`]
  : Array.from({ length: count }, (_, i) => `    web${i + 1}: {ansible_host: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}}`);
process.stdout.write(
  [
    'all:',
    '  vars:',
    '    ansible_user: root',
    '    ansible_ssh_private_key_file: /tmp/scale-key',
    '    pip_index_url: http://10.231.0.1:3141/simple/',
    '    pip_trusted_host: 10.231.0.1',
    '    webserver: nginx',
    '    services:',
    '      - name: hello',
    `        source: ${hello}`,
    '        wsgi: hello.wsgi',
    '        url_prefix: /hello',
    '  hosts:',
    ...hosts,
    '',
  ].join('\n'),
);
