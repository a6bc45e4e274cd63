// STUB (prober branch only)
export function expandEnvRefs(text: string, env: Readonly<Record<string, string | undefined>>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, n: string) => {
    const v = env[n];
    if (v === undefined) throw new Error(`environment variable ${n} is not set`);
    return v;
  });
}
