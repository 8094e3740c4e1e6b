"""Required-form rules against a real database: created or replaced whole, the same rule twice
changes nothing, listed by template title, deleted with the rules left answered, and only ever
of the practice's own templates."""
from datetime import timedelta

import pytest

from chairside.contracts.forms import RULE_NOT_FOUND, TEMPLATE_NOT_FOUND
from chairside.refusals import NotFound
from tests.usecases.forms_world import consent


def test_a_rule_is_created_and_listed_with_its_template_s_title(forms, clock):
    template = forms.template()
    answer = forms.put_rule(template["id"], min_age=18, valid_months=12, renew_on_new_version=True)
    assert answer == {"template": template["id"], "title": "Financial policy", "min_age": 18, "max_age": None,
                      "valid_months": 12, "renew_on_new_version": True, "updated_at": clock.now().isoformat()}
    assert forms.rules() == {"rules": [answer]}


def test_rules_are_listed_by_title(forms):
    later = forms.required(consent("Privacy notice", url="http://example.org/q/privacy"))
    earlier = forms.required(consent("Financial policy"))
    assert [rule["template"] for rule in forms.rules()["rules"]] == [earlier["id"], later["id"]]


def test_the_same_rule_twice_changes_nothing_not_even_updated_at(forms, clock):
    template = forms.template()
    first = forms.put_rule(template["id"], max_age=15)
    clock.advance(timedelta(hours=1))
    assert forms.put_rule(template["id"], max_age=15) == first


def test_another_body_replaces_the_rule_whole(forms, clock):
    template = forms.template()
    forms.put_rule(template["id"], min_age=18, max_age=64, valid_months=12)
    clock.advance(timedelta(hours=1))
    replaced = forms.put_rule(template["id"], renew_on_new_version=True)
    assert (replaced["min_age"], replaced["max_age"], replaced["valid_months"], replaced["renew_on_new_version"],
            replaced["updated_at"]) == (None, None, None, True, clock.now().isoformat())
    assert forms.rules() == {"rules": [replaced]}


@pytest.mark.parametrize("practice_id, template_id", [("p2", None), ("p1", "4b1f5a52-0000-4000-8000-000000000000")],
                         ids=["another practice's template", "no such template"])
def test_a_rule_for_a_template_not_of_the_practice_is_refused(forms, practice_id, template_id):
    template_id = template_id or forms.template()["id"]
    with pytest.raises(NotFound) as refused:
        forms.put_rule(template_id, practice_id=practice_id)
    assert refused.value.code == TEMPLATE_NOT_FOUND.code
    assert forms.rules(practice_id) == {"rules": []}


def test_deleting_a_rule_answers_the_rules_left(forms):
    kept = forms.required(consent("Privacy notice", url="http://example.org/q/privacy"))
    gone = forms.required()
    assert [rule["template"] for rule in forms.delete_rule(gone["id"])["rules"]] == [kept["id"]]
    with pytest.raises(NotFound) as refused:
        forms.delete_rule(gone["id"])
    assert refused.value.code == RULE_NOT_FOUND.code


def test_another_practice_neither_sees_nor_deletes_a_rule(forms):
    template = forms.required()
    assert forms.rules("p2") == {"rules": []}
    with pytest.raises(NotFound) as refused:
        forms.delete_rule(template["id"], practice_id="p2")
    assert refused.value.code == RULE_NOT_FOUND.code
    assert len(forms.rules()["rules"]) == 1
