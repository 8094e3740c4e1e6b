"""identity's use cases, one module per capability. Each function takes the unit of work
(or, when it must call another service between two transactions, the worker's database)
and what it needs, asks the domain for decisions, records them, and returns what the
entrypoint dumps."""
