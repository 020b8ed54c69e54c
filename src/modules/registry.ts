import { acmeCertificate } from './acme-certificate.js';
import { apt } from './apt.js';
import { command } from './command.js';
import { copy } from './copy.js';
import { file } from './file.js';
import { htpasswd } from './htpasswd.js';
import { httpCheck } from './http-check.js';
import { pip } from './pip.js';
import { release } from './release.js';
import { service } from './service.js';
import { takeover } from './takeover.js';
import { template } from './template.js';
import type { AnyModule } from './types.js';
import { ufw } from './ufw.js';
import { user } from './user.js';

/** Every module a playbook task can name: the generic ones, then those plugins register. */
export const modules: Record<string, AnyModule> = {
  apt,
  pip,
  template,
  copy,
  file,
  htpasswd,
  user,
  service,
  ufw,
  command,
  http_check: httpCheck,
  takeover,
  release,
  acme_certificate: acmeCertificate,
};

export function registerModule(module: AnyModule): void {
  const existing = modules[module.name];
  if (existing !== undefined && existing !== module) throw new Error(`a module named '${module.name}' is already registered`);
  modules[module.name] = module;
}
