"""runback's IO side: reading files, storage, the worker and the command line."""
