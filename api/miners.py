"""GET /api/v1/miners: registered miners; phone numbers masked unless the role allows."""
from flask import g, request
from sqlalchemy import or_

from api import bp
from api.auth import requires
from api.errors import paged
from core.phones import mask
from models import Miner, db


def miner_json(miner, officer):
    return {
        "id": miner.id,
        "phone": miner.phone if officer.sees_full_numbers else mask(miner.phone),
        "name": miner.name, "county": miner.county, "site": miner.site, "role": miner.role,
        "gender": miner.gender, "locale": miner.locale,
        "sms": miner.receives_sms,
        "registered_at": miner.created_at.isoformat(),
    }


@bp.get("/miners")
@requires("read")
def list_miners():
    """Registered miners, newest first.

    Filters: `county`, `site`, `role`, `gender`, `locale`, `q` (name or site contains).
    County officers see only their county's miners.
    """
    officer = g.officer
    query = db.select(Miner).order_by(Miner.created_at.desc(), Miner.id.desc())
    for field in ("county", "site", "role", "gender", "locale"):
        value = request.args.get(field)
        if value:
            query = query.where(getattr(Miner, field) == value)
    search = request.args.get("q", "").strip()
    if search:
        like = f"%{search}%"
        query = query.where(or_(Miner.name.ilike(like), Miner.site.ilike(like)))
    if officer.role != "admin" and officer.county:
        query = query.where(Miner.county == officer.county)
    return paged(query, lambda m: miner_json(m, officer), db.session)
