"""The Africa's Talking USSD callback: sessions in Redis, input derivation, CON/END."""
