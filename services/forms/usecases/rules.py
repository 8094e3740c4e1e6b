"""Required-form rules: at most one per template of the practice, created or replaced whole.
The same rule twice changes nothing (not even updated_at); every read and change is of the
practice's own templates."""
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import bindparam, select

from chairside.contracts.forms import RULE_NOT_FOUND, TEMPLATE_NOT_FOUND
from chairside.tenancy import of_practice
from services.forms.models import FormRule, FormTemplate

# What a rule says, in the body's names and the row's columns alike.
RULE_FIELDS = ("min_age", "max_age", "valid_months", "renew_on_new_version")


@dataclass(frozen=True)
class Shown:
    """A rule as the office reads it (chairside.contracts.forms.FormRule)."""
    template: str
    title: str
    min_age: Optional[int]
    max_age: Optional[int]
    valid_months: Optional[int]
    renew_on_new_version: bool
    updated_at: datetime


@dataclass(frozen=True)
class Listed:
    rules: List[Shown]


# Built once, of the tables' columns: the portal's home page reads the rules at every visit
# (services.forms.usecases.standing), and building the statement and loading entities each time
# cost more than the database's answer.
_rules, _templates = FormRule.__table__, FormTemplate.__table__
_PRACTICE_RULES = (
    select(_templates.c.template_id, _templates.c.title, _templates.c.current_version, _rules.c.updated_at,
           *(_rules.c[name] for name in RULE_FIELDS))
    .join(_templates, _rules.c.template_id == _templates.c.template_id)
    .where(_rules.c.practice_id == bindparam("practice_id")).order_by(_templates.c.title, _templates.c.template_id))


def practice_rules(uow, practice_id):
    """The practice's rules, each a row of its template's id, title and current version, its
    updated_at and its RULE_FIELDS, by the templates' titles."""
    return uow.session.execute(_PRACTICE_RULES, {"practice_id": practice_id}).all()


def rules(uow, practice_id):
    # a row of practice_rules names both what _shown reads of the rule and of its template
    return Listed(rules=[_shown(row, row) for row in practice_rules(uow, practice_id)])


def put_rule(uow, practice_id, template_id, sent):
    """Create the template's rule or replace it with `sent` (FormRuleBody loaded); the same
    rule again keeps its updated_at. A template not of the practice: TEMPLATE_NOT_FOUND."""
    template = of_practice(uow.session, FormTemplate, template_id, practice_id, missing=TEMPLATE_NOT_FOUND)
    rule = uow.session.get(FormRule, template.template_id)
    wanted = {name: sent[name] for name in RULE_FIELDS}
    if rule is None:
        rule = FormRule(template_id=template.template_id, practice_id=practice_id)
        uow.session.add(rule)
    elif {name: getattr(rule, name) for name in RULE_FIELDS} == wanted:
        return _shown(rule, template)
    for name, value in wanted.items():
        setattr(rule, name, value)
    rule.updated_at = uow.clock.now()
    uow.session.flush()
    return _shown(rule, template)


def delete_rule(uow, practice_id, template_id):
    """Remove the template's rule (RULE_NOT_FOUND when it has none) and answer the rules left.
    Submissions stay: a rule made again counts them."""
    rule = of_practice(uow.session, FormRule, template_id, practice_id, missing=RULE_NOT_FOUND)
    uow.session.delete(rule)
    uow.session.flush()
    return rules(uow, practice_id)


def _shown(rule, template):
    return Shown(template=template.template_id, title=template.title, updated_at=rule.updated_at,
                 **{name: getattr(rule, name) for name in RULE_FIELDS})
