"""Registering a miner: what a caller confirms at the end of the registration journey
(miners/journey.py, the `register_miner` effect). The storage is models/miner.py's."""
from models.base import cached_statement, db, upsert_insert, utcnow
from models.miner import Miner, _remember_language


_REGISTRATION_DETAILS = ("name", "county", "site", "role", "gender", "locale", "consent_at", "sms_consent_at",
                         "updated_at")


@cached_statement
def _registration_upsert(accepts_sms):
    statement = upsert_insert(Miner)
    changes = {column: statement.excluded[column] for column in _REGISTRATION_DETAILS}
    if accepts_sms:
        changes["sms_opt_out_at"] = None  # accepting SMS again lifts an earlier opt-out
    return statement.on_conflict_do_update(index_elements=[Miner.phone], set_=changes).returning(Miner.id)


def register(phone, *, name, county, site, role, gender, locale, sms, via="ussd"):
    """Create or update the miner for this phone, recording consent now; returns the miner's id.

    One upsert and no ORM object: it runs inside the USSD hop that confirms a registration.
    Registering again updates the details and the consent; it never changes how the miner
    first registered, and an earlier opt-out stands unless SMS is accepted again."""
    now = utcnow()
    miner_id = db.session.connection().execute(_registration_upsert(bool(sms)), {
        "phone": phone, "name": name, "county": county, "site": site, "role": role, "gender": gender,
        "locale": locale, "consent_at": now, "sms_consent_at": now if sms else None, "updated_at": now,
        "created_at": now, "registered_via": via, "is_test": False,
    }).scalar_one()
    _remember_language(phone, locale)  # marks the phone changed
    db.session.commit()
    return miner_id
