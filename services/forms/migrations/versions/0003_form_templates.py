"""form templates and their versions

Revision ID: forms_0003
Revises: forms_0002
"""
from alembic import op
import sqlalchemy as sa

revision = "forms_0003"
down_revision = "forms_0002"
branch_labels = None
depends_on = None

def upgrade():
    op.create_table(
        "form_templates",
        sa.Column("template_id", sa.String(36), primary_key=True),
        sa.Column("practice_id", sa.String(36), nullable=False),
        sa.Column("url", sa.String(255), nullable=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("current_version", sa.Integer, nullable=False),
        sa.UniqueConstraint("practice_id", "url", name="uq_form_templates_practice_url"),
    )
    op.create_index("ix_form_templates_practice_id", "form_templates", ["practice_id"])
    op.create_table(
        "form_template_versions",
        sa.Column("template_id", sa.String(36), sa.ForeignKey("form_templates.template_id"), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("title", sa.String(200), nullable=False),
        sa.Column("items", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )

def downgrade():
    op.drop_table("form_template_versions")
    op.drop_index("ix_form_templates_practice_id", "form_templates")
    op.drop_table("form_templates")
