"""How forms' item kinds are written in FHIR R4 (the package's docstring says why): one table,
read by the import and written by the export."""
KIND_EXTENSION = "https://chairside.dev/fhir/StructureDefinition/item-kind"
MARKED_KINDS = {"phone": "string", "email": "string", "signature": "attachment"}
PLAIN_KINDS = {"string": "short_text", "text": "long_text", "boolean": "yes_no", "date": "date", "time": "time",
               "display": "display", "group": "group"}
PLAIN_TYPES = {kind: fhir_type for fhir_type, kind in PLAIN_KINDS.items()}
