import { defineConfig } from 'drizzle-kit';

// The remote PostgreSQL schema. Generate a migration after changing src/db/remote/schema.ts:
//   npx drizzle-kit generate --config drizzle.remote.config.ts
// then make the new SQL idempotent by hand (IF NOT EXISTS) and keep the table referenced as
// "monitoring": src/db/remote/migrate.ts substitutes the configured schema and table.
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/remote/schema.ts',
  out: './drizzle/remote',
});
