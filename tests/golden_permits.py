"""Setup steps for the permits golden conversations (`@call tests.golden_permits:<function> words`)."""
from models import Officer, db
from permits import contacts


def county_contact(username, county, phone, *office):
    """`@call tests.golden_permits:county_contact otieno Migori +254722000111 Migori town offices`:
    a county officer with a phone, flagged as the county's contact for permits."""
    officer = Officer(username=username, role="officer", county=county, phone=phone, locale="sw")
    officer.set_password("correct horse battery")
    db.session.add(officer)
    db.session.commit()
    contacts.set_contact(None, username, " ".join(office) or None)
