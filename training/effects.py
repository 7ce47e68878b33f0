"""The journey's effects (training/journey.py): book or cancel, answering the outcome the
END screen shows."""
from training import service


def book(phone, session_id):
    outcome = service.book(int(session_id), phone, via="ussd")
    return {"trn_result": outcome.result, "trn_n": outcome.position}


def cancel(phone, session_id):
    outcome = service.cancel_booking(int(session_id), phone)
    return {"trn_result": outcome.result, "trn_n": outcome.position}


EFFECTS = {"training_book": book, "training_cancel": cancel}
