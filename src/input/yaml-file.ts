import { readInputText } from './read-text.js';
import { decryptVaultFile } from './vault-values.js';
import { cachedYamlParse } from './yaml-cache.js';
import { parseYamlText, type YamlOptions } from './yaml-source.js';

/** A YAML file, also one encrypted whole with Ansible Vault. */
export function loadYamlFile(file: string, options: YamlOptions = {}): unknown {
  const text = readInputText(file);
  return decryptVaultFile(text, file, (plain, name) => (plain === text ? parseYamlFileText(text, name, options) : parseYamlText(plain, name, options)));
}

/** The text of a YAML file, parsed once per content (yaml-cache.ts) unless Ansible Vault is in it: secrets are never cached. */
export function parseYamlFileText(text: string, file: string, options: YamlOptions = {}): unknown {
  if (text.includes('$ANSIBLE_VAULT') || text.includes('!vault')) return parseYamlText(text, file, options);
  return cachedYamlParse(text, file, options, () => parseYamlText(text, file, options));
}
