"""`organizer serve`: the local dev server and the HTTP API over the autosave store."""
