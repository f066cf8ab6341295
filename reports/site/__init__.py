"""The analyst's archive site: Jinja2 templates and the pure renderer (`reports.site.render`)."""
