"""The upcoming training sessions, as the USSD journey and the SMS keyword read them
(core/snapshot.py): every scheduled session that has not started, soonest first."""
from datetime import timezone

from core.snapshot import Snapshot

LIMIT = 500


def _build():
    from models import db, utcnow
    from models.training import TrainingSession

    rows = db.session.execute(
        db.select(TrainingSession).filter(TrainingSession.status == "scheduled", TrainingSession.starts_at > utcnow())
        .order_by(TrainingSession.starts_at, TrainingSession.id).limit(LIMIT)).scalars().all()
    return [{"id": s.id, "topic": s.topic, "title": dict(s.title or {}), "county": s.county, "venue": s.venue,
             "starts_at": s.starts_at.astimezone(timezone.utc).isoformat(), "seats": s.seats, "booked": s.booked}
            for s in rows]


SNAPSHOT = Snapshot("trainings", _build, [])
