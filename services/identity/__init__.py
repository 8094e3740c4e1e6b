"""identity: practices, clinics, patients and family links, portal access, the audit log."""
