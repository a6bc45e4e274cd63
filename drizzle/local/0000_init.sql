CREATE TABLE `counters` (
	`name` text PRIMARY KEY NOT NULL,
	`value` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `jobs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`kind` text NOT NULL,
	`payload` text NOT NULL,
	`run_at` integer NOT NULL,
	`state` text DEFAULT 'queued' NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`max_attempts` integer DEFAULT 1 NOT NULL,
	`lease_until` integer,
	`lease_token` text,
	`last_error` text,
	`dedupe_key` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `jobs_dedupe_key_unique` ON `jobs` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `jobs_state_run_at` ON `jobs` (`state`,`run_at`);--> statement-breakpoint
CREATE TABLE `results` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`agent` text NOT NULL,
	`service_key` text NOT NULL,
	`url` text NOT NULL,
	`method` text NOT NULL,
	`scheduled_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer NOT NULL,
	`duration_ms` real,
	`status_code` integer,
	`ok` integer NOT NULL,
	`regex_required` integer NOT NULL,
	`regex` text,
	`regex_matched` integer,
	`error_class` text,
	`error_message` text,
	`bytes_read` integer DEFAULT 0 NOT NULL,
	`truncated` integer DEFAULT false NOT NULL,
	`exported_at` integer,
	`set_aside_reason` text,
	`set_aside_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `results_id_unique` ON `results` (`id`);--> statement-breakpoint
CREATE UNIQUE INDEX `results_service_slot_unique` ON `results` (`service_key`,`scheduled_at`);--> statement-breakpoint
CREATE INDEX `results_unexported_seq` ON `results` (`seq`) WHERE "results"."exported_at" IS NULL AND "results"."set_aside_reason" IS NULL;--> statement-breakpoint
CREATE INDEX `results_exported_at` ON `results` (`exported_at`) WHERE "results"."exported_at" IS NOT NULL;