-- Dagster's run/event storage lives beside the warehouse on the same server, in its own database.
CREATE DATABASE dagster;
