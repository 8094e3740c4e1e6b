"""forms' use cases, one module per capability: `patients` (who fills in forms), `clinics`
(where appointments are, and their time zones), `appointments` (synced from the PMS) and
`templates` (form templates and their versions, from FHIR Questionnaires)."""
