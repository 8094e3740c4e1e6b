"""billing's use cases, one module per capability: `accounts` (a patient's account and balance)."""
