"""sms: texting settings per clinic, phone consent, messages, receipts, usage and charges."""
