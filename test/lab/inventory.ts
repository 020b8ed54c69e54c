import { Document, isMap, type YAMLMap } from 'yaml';
import { BRIDGE_ADDRESS, DEPLOY_PASSWORD, DEPLOY_USER, LAB_KEY, pypiIndexUrl } from './state.js';

export interface InventoryHost {
  name: string;
  address: string;
}

/** Connection and index variables every lab host shares (root by key; deploy + sudo password for become). */
export function labInventoryVars(): Record<string, unknown> {
  return {
    ansible_user: 'root',
    ansible_ssh_private_key_file: LAB_KEY,
    pip_index_url: pypiIndexUrl(),
    pip_trusted_host: BRIDGE_ADDRESS,
  };
}

/**
 * An Ansible-style YAML inventory of lab hosts that clamprovision reads as it is. `extraVars` are
 * merged into all.vars; `hostVars` go to the named hosts.
 */
export function buildInventoryYaml(
  hosts: InventoryHost[],
  extraVars: Record<string, unknown> = {},
  hostVars: Record<string, Record<string, unknown>> = {},
): string {
  const doc = new Document({
    all: {
      vars: { ...labInventoryVars(), ...extraVars },
      hosts: Object.fromEntries(hosts.map((h) => [h.name, { ansible_host: h.address, ...(hostVars[h.name] ?? {}) }])),
    },
  });
  const hostsNode = doc.getIn(['all', 'hosts'], true);
  if (isMap(hostsNode)) {
    if (hosts.length === 0) hostsNode.flow = true;
    for (const item of hostsNode.items) if (isMap(item.value)) (item.value as YAMLMap).flow = true;
  }
  doc.commentBefore = [
    ' clamprovision lab inventory (npm run lab -- status)',
    ` become instead of root: ansible_user: ${DEPLOY_USER}, ansible_become: true, ansible_become_password: ${DEPLOY_PASSWORD}`,
  ].join('\n');
  return doc.toString({ lineWidth: 0 });
}
