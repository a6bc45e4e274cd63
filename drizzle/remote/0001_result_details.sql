-- Hand-edited from drizzle-kit's output (IF NOT EXISTS, see README.md): a result's state,
-- conditions, connection and TLS facts. All nullable and without defaults, so the rows already in
-- the table (ours from before, and the original tool's) are not rewritten and keep NULL there.
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "state" text;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "conditions" jsonb;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "resolved_ip" text;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "dns_ms" integer;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "connect_ms" integer;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "tls_ms" integer;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "ttfb_ms" integer;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "transfer_ms" integer;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "tls_version" text;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "cert_issuer" text;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "cert_expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "monitoring" ADD COLUMN IF NOT EXISTS "cert_chain_expires_at" timestamp with time zone;
