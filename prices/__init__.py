"""Gold prices: markets, publishing (API, CLI, reference from the world price), the price
board USSD and SMS read from memory, subscriptions and alerts."""
