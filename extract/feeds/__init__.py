"""Feeds: parsing RSS/Atom and OPML, feed lists, the polling policy, and discovery of older entries (archives, sitemaps)."""
