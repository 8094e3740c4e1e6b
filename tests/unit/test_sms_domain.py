import pytest

from services.sms.domain import Contact, contact_after_sync


def test_first_sync_starts_without_opt_out():
    assert contact_after_sync(None, "+15555550100", "yes") == Contact("+15555550100", "yes", False)


def test_opt_out_survives_a_sync_of_the_same_number():
    current = Contact("+15555550100", "yes", True)
    assert contact_after_sync(current, "+15555550100", "unknown").opted_out is True


def test_a_new_number_starts_without_the_old_numbers_opt_out():
    current = Contact("+15555550100", "yes", True)
    assert contact_after_sync(current, "+15555550199", "yes").opted_out is False
    assert contact_after_sync(current, None, "yes").opted_out is False


def test_text_ok_must_be_known():
    with pytest.raises(ValueError):
        contact_after_sync(None, "+15555550100", "maybe")
