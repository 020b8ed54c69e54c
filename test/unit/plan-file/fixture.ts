/** A small project for the saved-plan tests: an inventory, a playbook with a template and a copied directory. */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Project {
  dir: string;
  inventory: string;
  playbook: string;
  template: string;
  sourceFile: string;
}

export const PLANTED_SECRET = 'planted-S3cret-value-771';

/** The inventory's secret comes from the environment, as SPEC's `${NAME}` does. */
export const SECRET_ENV = { APP_PASSWORD: PLANTED_SECRET };

export function makeProject(): Project {
  const dir = mkdtempSync(join(tmpdir(), 'saved-plan-'));
  const inventory = join(dir, 'inventory.yml');
  const playbook = join(dir, 'site.yml');
  const template = join(dir, 'templates', 'app.conf.ejs');
  const sourceFile = join(dir, 'src', 'app.py');
  mkdirSync(join(dir, 'templates'));
  mkdirSync(join(dir, 'src'));
  writeFileSync(inventory, 'all:\n  hosts:\n    web1: {ansible_host: 127.0.0.1, ansible_port: 9}\n  vars:\n    greeting: hello\n    app_password: "${APP_PASSWORD}"\n');
  writeFileSync(
    playbook,
    [
      '- name: site',
      '  hosts: all',
      '  tasks:',
      '    - name: config',
      '      template: {src: app.conf.ejs, dest: /etc/app.conf, mode: "0600"}',
      '    - name: code',
      '      copy: {src: src, dest: /opt/app}',
      '',
    ].join('\n'),
  );
  writeFileSync(template, 'greeting = <%= greeting %>\npassword = <%= app_password %>\n');
  writeFileSync(sourceFile, 'print("hi")\n');
  return { dir, inventory, playbook, template, sourceFile };
}
