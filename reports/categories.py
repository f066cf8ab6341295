"""The timeline's categories of developments, in the order ties are broken: a module of its
own so the CLI can name them in its help without importing the rules (`reports.timeline`)."""

from __future__ import annotations

# Category slug -> label, in the order ties are broken (and lists are shown).
CATEGORIES: dict[str, str] = {
    "military": "military cooperation and deployments",
    "arms": "arms and munitions transfers",
    "treaties": "treaties and law",
    "sanctions": "sanctions and the UN",
    "technology": "technology and space",
    "economy": "economy, transport and labour",
    "people": "people and culture",
    "diplomacy": "diplomacy and visits",
}
DEFAULT = "diplomacy"
