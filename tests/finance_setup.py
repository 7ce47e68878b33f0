"""Checks the finance golden conversations call: `@call tests.finance_setup:leads +2547... kind[:equipment] ...`."""
from models import Lead, db


def leads(phone, *expected):
    """The phone's leads are exactly these (`savings_group`, `equipment_loan:retort`, ...;
    `none` for no lead), each with the consent to be contacted recorded."""
    db.session.expire_all()
    rows = db.session.execute(db.select(Lead).filter_by(phone=phone)).scalars().all()
    stored = sorted(f"{lead.kind}:{lead.equipment}" if lead.equipment else lead.kind for lead in rows)
    wanted = sorted(item for item in expected if item != "none")
    assert stored == wanted, f"{phone} has leads {stored}, expected {wanted}"
    assert all(lead.consent_at is not None for lead in rows)
