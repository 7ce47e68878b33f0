"""Safety tips: the content catalogue, sending a tip (SMS, USSD), the weekly drip."""
