"""Setup steps for the buyers golden conversations: `@call tests.buyers_setup:migori_buyers`."""
from datetime import timedelta

from buyers import rules, service
from models import db


def migori_buyers():
    """Two licensed Migori buyers, one whose licence ended yesterday, one in Kakamega."""
    on = rules.today()
    for name, number, days, county, market, phone in [
        ("Otieno Gold Traders", "MDL/2024/0153", 200, "Migori", "Osiri", "0712345001"),
        ("Akinyi Minerals", "MDL/2025/0007", 90, "Migori", "Macalder", "0722345002"),
        ("Ouma Old Licence", "MDL/2019/0999", 10, "Migori", "Osiri", "0733345003"),
        ("Kakamega Buyer", "MDL/2024/0500", 300, "Kakamega", "Rosterman", "0744345004"),
    ]:
        service.create(None, {"name": name, "licence_number": number,
                              "licence_expires": (on + timedelta(days=days)).isoformat(), "county": county,
                              "market": market, "phone": phone}, by="golden")
    expired = db.session.execute(db.select(service.Buyer).filter_by(licence_number="MDL/2019/0999")).scalar_one()
    expired.licence_expires = on - timedelta(days=1)
    db.session.commit()
    service.changed()
