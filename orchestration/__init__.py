"""Dagster wiring only: assets, checks, resources, partitions, schedules and sensors that call plain-Python layers."""
