-- Hand-edited from drizzle-kit's output (IF NOT EXISTS, see README.md): the fleet's agents and each
-- agent's current state of its services, beside the results table and named after it
-- ("<table>_agents", "<table>_service_state"; src/db/remote/migrate.ts substitutes the names).
-- Every agent upserts its own rows with its heartbeat (src/fleet/heartbeat.ts, docs/fleet.md).
CREATE TABLE IF NOT EXISTS "monitoring_agents" (
	"name" text PRIMARY KEY NOT NULL,
	"location" text NOT NULL,
	"version" text NOT NULL,
	"mode" text NOT NULL,
	"pool" text NOT NULL,
	"host" text NOT NULL,
	"pid" integer NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"last_seen" timestamp with time zone DEFAULT now() NOT NULL,
	"heartbeat_ms" integer NOT NULL,
	"services" integer NOT NULL,
	"unexported_rows" bigint NOT NULL,
	"export_lag_ms" bigint NOT NULL,
	"held" integer,
	"stopped_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE IF NOT EXISTS "monitoring_service_state" (
	"service_key" text NOT NULL,
	"location" text NOT NULL,
	"agent" text NOT NULL,
	"state" text NOT NULL,
	"since" timestamp with time zone NOT NULL,
	"last_result_at" timestamp with time zone NOT NULL,
	"url" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "monitoring_service_state_service_key_location_agent_pk" PRIMARY KEY("service_key","location","agent")
);
--> statement-breakpoint
-- The heartbeat deletes an agent's rows of services it no longer has: by agent.
CREATE INDEX IF NOT EXISTS "monitoring_service_state_agent_idx" ON "monitoring_service_state" USING btree ("agent");
