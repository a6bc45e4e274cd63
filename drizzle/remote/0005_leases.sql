-- Hand-edited from drizzle-kit's output (IF NOT EXISTS, see README.md): share mode's leases and
-- pool members (src/fleet/leases.ts, docs/fleet.md). "monitoring_leases" and
-- "monitoring_pool_members" become "<schema>"."<table>_leases" / "<table>_pool_members" when applied
-- (src/db/remote/migrate.ts). expires_at is on PostgreSQL's clock; a released or lapsed lease keeps
-- its row so that the next holder knows who held the service until when.
CREATE TABLE IF NOT EXISTS "monitoring_leases" (
	"pool" text NOT NULL,
	"service_key" text NOT NULL,
	"agent" text NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	"acquired_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "monitoring_leases_pool_service_key_pk" PRIMARY KEY("pool","service_key")
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "monitoring_pool_members" (
	"pool" text NOT NULL,
	"agent" text NOT NULL,
	"seen_at" timestamp with time zone DEFAULT now() NOT NULL,
	"expires_at" timestamp with time zone NOT NULL,
	CONSTRAINT "monitoring_pool_members_pool_agent_pk" PRIMARY KEY("pool","agent")
);
--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "monitoring_leases_agent_idx" ON "monitoring_leases" USING btree ("pool","agent");
