CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_id` text NOT NULL,
	`incident_id` text,
	`channel` text NOT NULL,
	`kind` text NOT NULL,
	`attempt` integer NOT NULL,
	`at` integer NOT NULL,
	`status` text NOT NULL,
	`code` integer,
	`detail` text NOT NULL,
	`duration_ms` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `deliveries_incident` ON `deliveries` (`incident_id`);--> statement-breakpoint
CREATE INDEX `deliveries_at` ON `deliveries` (`at`);--> statement-breakpoint
CREATE TABLE `incidents` (
	`id` text PRIMARY KEY NOT NULL,
	`agent` text NOT NULL,
	`service_key` text NOT NULL,
	`url` text NOT NULL,
	`method` text NOT NULL,
	`kind` text NOT NULL,
	`opened_at` integer NOT NULL,
	`resolved_at` integer,
	`resolution` text,
	`cause` text NOT NULL,
	`first_result_id` text NOT NULL,
	`opening_result_id` text NOT NULL,
	`resolving_result_id` text,
	`version` integer DEFAULT 1 NOT NULL,
	`exported_version` integer DEFAULT 0 NOT NULL,
	`held_event` text,
	`notified` integer DEFAULT false NOT NULL,
	`remind_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `incidents_open_unique` ON `incidents` (`service_key`,`kind`) WHERE "incidents"."resolved_at" IS NULL;--> statement-breakpoint
CREATE INDEX `incidents_unexported` ON `incidents` (`opened_at`) WHERE "incidents"."version" > "incidents"."exported_version";--> statement-breakpoint
CREATE INDEX `incidents_service_opened` ON `incidents` (`service_key`,`opened_at`);--> statement-breakpoint
CREATE TABLE `service_health` (
	`service_key` text PRIMARY KEY NOT NULL,
	`recent` text NOT NULL,
	`first_bad_result_id` text,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `results` ADD `maintenance` integer DEFAULT false NOT NULL;