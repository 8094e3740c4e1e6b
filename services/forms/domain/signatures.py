"""Who a submitted form is by, in words. Pure."""


def full_name(first_name, last_name):
    """A patient's name as forms and the pages show it: "Maria Garcia"."""
    return f"{first_name} {last_name}"


def signed(signer_name, patient_name, for_themselves):
    """"Signed by Maria Garcia", or "Signed by Maria Garcia for Sofia Garcia" when the adult
    signed for another patient (a dependent). Whether they signed for themselves is decided by
    their ids, not their names: two members of a family may share a name."""
    return f"Signed by {signer_name}" if for_themselves else f"Signed by {signer_name} for {patient_name}"
