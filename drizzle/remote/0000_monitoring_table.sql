-- Hand-edited from drizzle-kit's output so that it is idempotent over a table the original tool
-- created: the original's columns exactly as it declared them, then the added columns one by one.
-- "monitoring" is replaced by the configured "schema"."table" when applied (src/db/remote/migrate.ts).
CREATE TABLE IF NOT EXISTS "monitoring" (
	"id" serial PRIMARY KEY,
	"local_id" varchar NOT NULL UNIQUE,
	"url" varchar NOT NULL,
	"method" varchar NOT NULL,
	"request_timestamp" timestamp NOT NULL,
	"regex_check_required" boolean NOT NULL,
	"contains_regex" boolean NOT NULL,
	"contains_exception" boolean NOT NULL,
	"status_code" integer,
	"response_timestamp" timestamp,
	"regex" varchar,
	"exception" text,
	"local_created_at" timestamp NOT NULL,
	"created_at" timestamp DEFAULT timezone('utc', now()) NOT NULL
);
--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "agent" text;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "service_key" text;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "scheduled_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "started_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "finished_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "duration_ms" integer;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "ok" boolean;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "error_class" text;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "bytes_read" bigint;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "truncated" boolean;--> statement-breakpoint
-- Added without a default first, so that rows the original wrote keep NULL (they were not exported by us).
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "exported_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "monitoring" ALTER COLUMN "exported_at" SET DEFAULT now();--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "monitoring_service_key_scheduled_at_idx" ON "monitoring" USING btree ("service_key","scheduled_at");--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "monitoring_request_timestamp_idx" ON "monitoring" USING btree ("request_timestamp");
