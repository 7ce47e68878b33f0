"""SMS keyword BUYER / MNUNUZI [county] (CONTRACT.md section 2): the county's licensed gold
buyers (default: the sender's registered county), with the guide price, in one SMS."""
from buyers import service


def buyer_keyword(message):
    return service.county_reply(message.phone, message.args, message.locale)
