-- The write transaction stores an event with `targets`, the comma list of the webhooks it is
-- for (chosen by their events and filters then); the sender makes their deliveries later,
-- oldest first, and clears `targets`. A write pays for one row, not one per webhook.
ALTER TABLE webhook_events ADD COLUMN targets TEXT;
CREATE INDEX webhook_events_unsent ON webhook_events (id) WHERE targets IS NOT NULL;
