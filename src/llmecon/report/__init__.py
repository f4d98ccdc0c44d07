"""Renderings of an evaluation: JSON-ready data, tables, charts and documents."""
