"""Wiring of the training capability into the app as the code does it before the capability
API (core/capability.py) lands: keyword, effects, caller detail, erasure. Imported by app.py."""
from models.erasure import forget_keys, on_erase
from sms.keywords import keyword
from training import effects, service
from training.sms import training_keyword
from ussd.effects import HANDLERS, handler
from ussd.service import caller_detail

keyword("TRAINING", "MAFUNZO")(training_keyword)
for _kind, _fn in effects.EFFECTS.items():
    if _kind not in HANDLERS:
        handler(_kind)(_fn)
caller_detail(service.CALLER_KEY)(service.read_caller_detail)
on_erase(service.forget_bookings)
forget_keys(service.CALLER_KEY)
