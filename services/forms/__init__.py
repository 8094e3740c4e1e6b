"""forms: templates, required-form rules, appointments, assignments and submissions."""
