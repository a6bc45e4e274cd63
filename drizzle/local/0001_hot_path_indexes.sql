DROP INDEX `jobs_state_run_at`;--> statement-breakpoint
CREATE INDEX `jobs_queued_run_at` ON `jobs` (`run_at`) WHERE "jobs"."state" = 'queued';--> statement-breakpoint
CREATE INDEX `jobs_running_lease_until` ON `jobs` (`lease_until`) WHERE "jobs"."state" = 'running';--> statement-breakpoint
DROP INDEX `results_service_slot_unique`;--> statement-breakpoint
DROP INDEX `results_exported_at`;--> statement-breakpoint
CREATE UNIQUE INDEX `results_slot_unique` ON `results` (`scheduled_at`,`service_key`);--> statement-breakpoint
-- Probe dedupe keys become probe:<scheduledAt>:<serviceKey> (time first, so the unique index is
-- appended to rather than written all over); queued and finished slots keep their dedupe.
UPDATE `jobs` SET `dedupe_key` = 'probe:' || json_extract(`payload`, '$.scheduledAt') || ':' || json_extract(`payload`, '$.serviceKey')
WHERE `kind` = 'probe'
  AND `dedupe_key` = 'probe:' || json_extract(`payload`, '$.serviceKey') || ':' || json_extract(`payload`, '$.scheduledAt');
