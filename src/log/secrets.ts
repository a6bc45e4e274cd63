/**
 * Secrets the process knows (the PostgreSQL password). Every log line and every error message the
 * CLI prints passes through `scrub`, so a secret that slips into a driver's message still never
 * reaches output.
 */
const secrets = new Set<string>();

export function registerSecret(secret: string | null | undefined): void {
  // Very short secrets would mask ordinary words; a password that short is masked in URIs anyway.
  if (secret && secret.length >= 3) {
    secrets.add(secret);
    const encoded = encodeURIComponent(secret);
    if (encoded !== secret) secrets.add(encoded);
  }
}

export function scrub(text: string): string {
  let out = text;
  for (const s of secrets) {
    if (out.includes(s)) out = out.split(s).join('****');
  }
  return out;
}
