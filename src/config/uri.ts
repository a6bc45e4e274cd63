/** PostgreSQL URI helpers: validation and password masking. */

export interface ParsedPgUri {
  user: string;
  password: string;
  host: string;
  port: number;
  database: string;
}

/** Parse and check a postgres:// or postgresql:// URI; returns an error message instead of throwing. */
export function parsePgUri(uri: string): ParsedPgUri | string {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return 'not a valid URI (expected postgresql://user:password@host:port/database)';
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    return `scheme must be postgres:// or postgresql://, got ${u.protocol}//`;
  }
  if (!u.hostname) return 'the URI has no host';
  const port = u.port ? Number(u.port) : 5432;
  if (!Number.isInteger(port) || port < 1 || port > 65535) return `invalid port ${u.port}`;
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!database) return 'the URI names no database (add /dbname)';
  if (database.includes('/')) return `invalid database name ${database}`;
  return {
    user: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    host: u.hostname,
    port,
    database,
  };
}

/** The URI with its password replaced by ****; anything unparsable is masked whole after the scheme. */
export function maskUri(uri: string | null | undefined): string {
  if (!uri) return 'None';
  try {
    const u = new URL(uri);
    if (u.password) u.password = '****';
    return u.toString();
  } catch {
    return uri.replace(/\/\/[^@/]*@/, '//****@');
  }
}

export function passwordOf(uri: string | null | undefined): string | null {
  if (!uri) return null;
  try {
    const p = new URL(uri).password;
    return p ? decodeURIComponent(p) : null;
  } catch {
    return null;
  }
}
