"""identity's pure rules: no nameko, no SQLAlchemy, no I/O, no clock of its own.

- `records`: what the PMS syncs (clinics, patients), when a sync changes a record.
- `practices`: office API keys.
- `credentials`: passwords, usernames, text codes, tokens, recovery codes, TOTP.
- `lifetimes`: how long sessions, challenges and text codes live.
- `throttle`: failed attempts, lockout, the text-code sending limit.
- `family`: who in a family may see whom.
- `roles`: what each staff role may do; nobody disables themselves or the last administrator.
- `search`: what the console's patient search text looks for.
"""
