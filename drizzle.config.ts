import { defineConfig } from 'drizzle-kit';

// The local SQLite schema. Generate a migration after changing it:
//   npx drizzle-kit generate --config drizzle.config.ts
export default defineConfig({
  dialect: 'sqlite',
  schema: './src/db/local/schema.ts',
  out: './drizzle/local',
});
