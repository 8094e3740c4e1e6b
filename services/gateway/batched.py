"""The calls every portal home page makes, sent in batches when several pages wait on the same
service at once (chairside.batches): a lone page's call goes alone, as the service's own RPC."""
from chairside.batches import Batches

PROFILES = Batches("authenticate_with_profile", "authenticate_with_profile_batch", ("token", "reads"))
FAMILY_FORMS = Batches("family_forms", "family_forms_batch", ("practice_id", "patient_ids", "practice_timezone"))
BALANCE_VIEWS = Batches("balance_view", "balance_view_batch", ("practice_id", "patient_id"))
