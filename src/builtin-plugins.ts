import { registerClamPlugin } from './clam/plugin.js';

/** The plugins that come with clamprovision, registered before any playbook is loaded. */
export function registerBuiltinPlugins(): void {
  registerClamPlugin();
}
