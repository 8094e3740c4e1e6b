"""billing: accounts and balances, ledger, payments and payment requests."""
