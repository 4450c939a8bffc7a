DROP TABLE websub_subscriptions;
