"""The permits capability's words (msgids; English source, Swahili in the catalogue). Pure."""
from core.i18n import N_

# USSD (menu 6 -> 3)
MENU_LABEL = N_("Permits and groups")
MSG_MENU_TITLE = N_("Permits and groups:")
OPT_PERMIT = N_("Permit steps")
OPT_GROUP = N_("Register a group")
OPT_OFFICE = N_("County office")
OPT_CALL = N_("Officer to call me")
OPT_NEXT = N_("Next")
MSG_WHICH_COUNTY = N_("Which county do you mine in?")
MSG_OFFICE = N_("%(county)s county mining office: %(office)s. Phone %(phone)s.")
MSG_OFFICE_PHONE = N_("%(county)s county mining office. Phone %(phone)s.")
MSG_OFFICE_UNKNOWN = N_("We have no contact for the %(county)s county mining office yet. Ask an officer to call you.")
MSG_CONFIRM = N_("An officer of %(county)s will call you on this number about permits and groups. Do you agree?")
OPT_YES_CALL = N_("Yes, call me")
OPT_NO = N_("No")
MSG_CALL_CREATED = N_("Thank you. An officer of %(county)s will call you on this number soon.")
MSG_CALL_EXISTS = N_("You already asked for a call. An officer of %(county)s will call you; no new request was made.")

# SMS (LESENI / PERMIT)
SMS_STEPS = N_("Madini Salama: %(steps)s Send PERMIT CALL for an officer to call you.")
SMS_STEPS_OFFICE = N_("Madini Salama: %(steps)s Office: %(phone)s. Send PERMIT CALL for an officer to call you.")
SMS_CALL_CREATED = N_("Madini Salama: an officer of %(county)s will call you on this number about permits soon.")
SMS_CALL_EXISTS = N_("Madini Salama: you already asked for a call. An officer of %(county)s will call you.")
SMS_CALL_WHICH_COUNTY = N_("Madini Salama: send PERMIT CALL and your county, e.g. PERMIT CALL Migori.")
# To the county officers (job)
SMS_OFFICER = N_("Madini Salama: call-back %(ref)s. A miner in %(county)s asks about %(topic)s. Call %(phone)s, "
                 "then mark it in the dashboard.")
TOPIC_WORDS = {"permit": N_("a mining permit"), "group": N_("registering a group")}
