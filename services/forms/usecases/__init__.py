"""forms' use cases, one module per capability: `patients` (who fills in forms), `clinics`
(where appointments are, and their time zones), `appointments` (synced from the PMS),
`templates` (form templates and their versions, from FHIR Questionnaires) and `rules` (which
templates the practice requires, of whom, for how long) and `standing` (what each patient still
has to fill in before their next appointment)."""
