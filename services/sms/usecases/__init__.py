"""sms's use cases, one module per capability: `contacts` (patients' phones and consent),
`settings` (which clinics text, from which number) and `sending`."""
