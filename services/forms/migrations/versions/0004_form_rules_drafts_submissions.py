"""required-form rules, drafts and submissions

Revision ID: forms_0004
Revises: forms_0003
"""
from alembic import op
import sqlalchemy as sa

revision = "forms_0004"
down_revision = "forms_0003"
branch_labels = None
depends_on = None

def upgrade():
    op.create_table(
        "form_rules",
        sa.Column("template_id", sa.String(36), sa.ForeignKey("form_templates.template_id"), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("min_age", sa.Integer, nullable=True),
        sa.Column("max_age", sa.Integer, nullable=True),
        sa.Column("valid_months", sa.Integer, nullable=True),
        sa.Column("renew_on_new_version", sa.Boolean, nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_form_rules_practice_id", "form_rules", ["practice_id"])
    op.create_table(
        "form_drafts",
        sa.Column("patient_id", sa.String(36), sa.ForeignKey("patients.patient_id"), primary_key=True),
        sa.Column("template_id", sa.String(36), sa.ForeignKey("form_templates.template_id"), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("filled_by_patient_id", sa.String(36), sa.ForeignKey("patients.patient_id"), nullable=False),
        sa.Column("saved_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "form_submissions",
        sa.Column("submission_id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("patient_id", sa.String(36), sa.ForeignKey("patients.patient_id"), nullable=False),
        sa.Column("template_id", sa.String(36), sa.ForeignKey("form_templates.template_id"), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("signer_patient_id", sa.String(36), sa.ForeignKey("patients.patient_id"), nullable=False),
        sa.Column("patient_name", sa.String(201), nullable=False),
        sa.Column("signer_name", sa.String(201), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(100), nullable=True),
    )
    op.create_index("ix_form_submissions_practice_status_submitted_at", "form_submissions",
                    ["practice_id", "status", "submitted_at"])
    op.create_index("ix_form_submissions_patient_template", "form_submissions", ["patient_id", "template_id"])

def downgrade():
    op.drop_index("ix_form_submissions_patient_template", "form_submissions")
    op.drop_index("ix_form_submissions_practice_status_submitted_at", "form_submissions")
    op.drop_table("form_submissions")
    op.drop_table("form_drafts")
    op.drop_index("ix_form_rules_practice_id", "form_rules")
    op.drop_table("form_rules")
