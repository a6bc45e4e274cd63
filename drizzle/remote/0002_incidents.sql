-- Hand-edited from drizzle-kit's output (IF NOT EXISTS, see README.md): results carry the
-- maintenance mark, and incidents get their own table beside the results table, named after it.
-- "monitoring_incidents" is replaced by "<schema>"."<table>_incidents" when applied
-- (src/db/remote/migrate.ts); the index names start with "<table>_incidents_".
CREATE TABLE IF NOT EXISTS "monitoring_incidents" (
	"id" text PRIMARY KEY NOT NULL,
	"agent" text NOT NULL,
	"service_key" text NOT NULL,
	"url" text NOT NULL,
	"method" text NOT NULL,
	"kind" text NOT NULL,
	"opened_at" timestamp with time zone NOT NULL,
	"resolved_at" timestamp with time zone,
	"resolution" text,
	"cause" text NOT NULL,
	"first_result_id" text NOT NULL,
	"opening_result_id" text NOT NULL,
	"resolving_result_id" text,
	"version" integer NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- A constant default: PostgreSQL 11+ adds it without rewriting the table's rows (which were not
-- recorded in a maintenance window, as far as anyone knew).
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "maintenance" boolean DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "monitoring_incidents_service_key_opened_at_idx" ON "monitoring_incidents" USING btree ("service_key","opened_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "monitoring_incidents_open_idx" ON "monitoring_incidents" USING btree ("service_key","kind") WHERE "resolved_at" IS NULL;
