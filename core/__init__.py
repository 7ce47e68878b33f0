"""Cross-cutting pieces every capability uses: Redis, phone numbers, i18n, logging."""
