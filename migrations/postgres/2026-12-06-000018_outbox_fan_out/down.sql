DROP INDEX webhook_events_unsent;
ALTER TABLE webhook_events DROP COLUMN targets;
