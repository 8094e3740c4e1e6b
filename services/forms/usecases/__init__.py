"""forms' use cases, one module per capability: `patients` (who fills in forms)."""
