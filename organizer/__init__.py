"""Organizer: client questionnaires as code."""
