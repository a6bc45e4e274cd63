-- A result's state, conditions, connection and TLS facts (ProbeResult in src/results/types.ts).
-- SQLite needs a default to add a NOT NULL column; 'up' is right for every ok row written before.
ALTER TABLE `results` ADD `state` text DEFAULT 'up' NOT NULL;--> statement-breakpoint
ALTER TABLE `results` ADD `conditions` text;--> statement-breakpoint
ALTER TABLE `results` ADD `resolved_ip` text;--> statement-breakpoint
ALTER TABLE `results` ADD `dns_ms` integer;--> statement-breakpoint
ALTER TABLE `results` ADD `connect_ms` integer;--> statement-breakpoint
ALTER TABLE `results` ADD `tls_ms` integer;--> statement-breakpoint
ALTER TABLE `results` ADD `ttfb_ms` integer;--> statement-breakpoint
ALTER TABLE `results` ADD `transfer_ms` integer;--> statement-breakpoint
ALTER TABLE `results` ADD `tls_version` text;--> statement-breakpoint
ALTER TABLE `results` ADD `cert_issuer` text;--> statement-breakpoint
ALTER TABLE `results` ADD `cert_expires_at` integer;--> statement-breakpoint
ALTER TABLE `results` ADD `cert_chain_expires_at` integer;--> statement-breakpoint
-- Rows written before this migration get their state by the rule of stateFor (src/results/state.ts):
-- they had no degrading conditions, so not ok is 'down', or 'unknown' for a missed slot. Only the
-- failed rows are touched (a large unexported backlog is mostly ok rows).
UPDATE `results` SET `state` = CASE WHEN `error_class` = 'missed' THEN 'unknown' ELSE 'down' END WHERE `ok` = 0;
