-- The write transaction stores an event with `targets`, the webhooks it is for (chosen by
-- their events and filters then) between commas (`,1,3,`); the sender makes their deliveries
-- later, oldest first, and clears `targets`; deleting a webhook takes it off. A write pays for
-- one row, not one per webhook.
ALTER TABLE webhook_events ADD COLUMN targets TEXT;
CREATE INDEX webhook_events_unsent ON webhook_events (id) WHERE targets IS NOT NULL;
