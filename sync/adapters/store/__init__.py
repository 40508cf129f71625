"""Storage: the schema, the engine and migrations, the repository and the unit of work."""
