"""The tables the shared library keeps in every service's database.

They have their own metadata and migrations (chairside/migrations, version table
`chairside_alembic_version`), so no service copies them into its own migrations.
"""
from sqlalchemy import BigInteger, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from chairside.types import UtcDateTime


class SharedBase(DeclarativeBase):
    pass


class OutboxRow(SharedBase):
    """An event waiting to be published, written in the same transaction as its change."""
    __tablename__ = "outbox"
    seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True)
    event_id: Mapped[str] = mapped_column(String(36), nullable=False)
    source: Mapped[str] = mapped_column(String(50), nullable=False)
    event_type: Mapped[str] = mapped_column(String(100), nullable=False)
    body: Mapped[str] = mapped_column(Text, nullable=False)
    created_at = mapped_column(UtcDateTime, nullable=False)
    sent_at = mapped_column(UtcDateTime, nullable=True, index=True)
    __table_args__ = (UniqueConstraint("event_id", name="uq_outbox_event_id"),)


class ProcessedEvent(SharedBase):
    """(consumer, event id) recorded in the same transaction as the consumer's effects."""
    __tablename__ = "processed_events"
    consumer: Mapped[str] = mapped_column(String(200), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    processed_at = mapped_column(UtcDateTime, nullable=False)
