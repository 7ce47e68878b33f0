"""SMS: inbound keyword commands, the outbound gateway (Africa's Talking), broadcasts,
delivery reports, opt-outs, GSM-7 checks."""
