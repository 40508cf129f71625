"""Entry points: the command line and the worker. They parse, call use cases, print and log; no
business logic of their own."""
