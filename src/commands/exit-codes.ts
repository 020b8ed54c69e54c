/** The SPEC's exit codes (a module of its own so the CLI can load the commands lazily). */
export const EXIT = { ok: 0, input: 1, pending: 2, failed: 3, unreachable: 4 } as const;
