"""forms' rules, pure (the clock's now and every fact are passed in), one module per capability:
- `appointments`: when a synced appointment changed, which one is a patient's next, its time zone.
- `requirements`: which required forms a patient still has to fill in before a day (outstanding).
- `answers`: whether a patient's answers to a template version are complete and well-formed.
- `signatures`: who signed a submission, in words.
"""
