"""forms' use cases, one module per capability: `patients` (who fills in forms), `clinics`
(where appointments are, and their time zones) and `appointments` (synced from the PMS)."""
