"""Adapters: the world outside (FIT files, Garmin Connect, the raw store, the database),
knowing nothing of the use cases."""
