"""Form templates imported from FHIR R4 Questionnaires. A Questionnaire with the url of one of
the practice's templates becomes its next version; one identical to the current version (same
title and items) publishes nothing and answers that version. A published version is written
once and never changed. Every read is of the practice's own templates."""
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional, Tuple

from sqlalchemy import select

from chairside.contracts.forms import TEMPLATE_NOT_FOUND
from chairside.rules import next_version
from chairside.tenancy import of_practice
from services.forms import fhir
from services.forms.models import FormTemplate, FormTemplateVersion
from services.forms.template_items import Item, items_json, items_of


@dataclass(frozen=True)
class Summary:
    """A template as the list shows it (chairside.contracts.forms.TemplateSummary)."""
    id: str
    url: Optional[str]
    title: str
    version: int


@dataclass(frozen=True)
class Listed:
    templates: List[Summary]


@dataclass(frozen=True)
class Shown(Summary):
    """A template at its current version (chairside.contracts.forms.Template)."""
    created_at: datetime
    items: Tuple[Item, ...]


def import_template(uow, practice_id, questionnaire):
    url, title, items = fhir.import_questionnaire(questionnaire)
    session = uow.session
    template = session.scalar(select(FormTemplate).where(FormTemplate.practice_id == practice_id,
                                                         FormTemplate.url == url)) if url else None
    current = _current(uow, template) if template else None
    stored = items_json(items)
    version = next_version((current.title, current.items) if current else None,
                           template.current_version if template else 0, (title, stored))
    if version is not None:
        if template is None:
            template = FormTemplate(template_id=str(uuid.uuid4()), practice_id=practice_id, url=url)
            session.add(template)
        template.title, template.current_version = title, version
        current = FormTemplateVersion(template_id=template.template_id, version=version, title=title, items=stored,
                                      created_at=uow.clock.now())
        session.add(current)
        session.flush()
    return _shown(template, current)


def templates(uow, practice_id):
    """The practice's templates by title, each at its current version."""
    rows = uow.session.scalars(select(FormTemplate).where(FormTemplate.practice_id == practice_id)
                               .order_by(FormTemplate.title, FormTemplate.template_id)).all()
    return Listed(templates=[Summary(id=row.template_id, url=row.url, title=row.title, version=row.current_version)
                             for row in rows])


def template(uow, practice_id, template_id):
    found = of_practice(uow.session, FormTemplate, template_id, practice_id, missing=TEMPLATE_NOT_FOUND)
    return _shown(found, _current(uow, found))


def template_fhir(uow, practice_id, template_id):
    """The template's current version as a FHIR R4 Questionnaire."""
    shown = template(uow, practice_id, template_id)
    return fhir.export_questionnaire(shown.url, shown.title, shown.version, shown.items)


def _current(uow, template):
    return uow.session.get(FormTemplateVersion, (template.template_id, template.current_version))


def _shown(template, version):
    return Shown(id=template.template_id, url=template.url, title=version.title, version=version.version,
                 created_at=version.created_at, items=items_of(version.items))
