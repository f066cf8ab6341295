"""Article pages: text and metadata with trafilatura, encodings, paywall stubs, boilerplate, the seed articles."""
