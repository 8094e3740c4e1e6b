from chairside.migrate import run_migrations

run_migrations()
