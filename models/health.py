"""The one row /healthz writes to: proof that the database accepts writes, not only reads."""
from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from models.base import db


class Heartbeat(db.Model):
    __tablename__ = "health_heartbeat"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    beat: Mapped[int] = mapped_column(Integer, nullable=False, default=0, server_default="0")
