"""Subscribed feeds: HTTP fetching, refreshes, subscriptions and OPML."""
