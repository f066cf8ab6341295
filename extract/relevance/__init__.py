"""Relevance: is an article about Russia–North Korea relations? The judge, its term data, mentions and segmentation."""
