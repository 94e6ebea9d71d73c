"""Preview organizers: one per template version, kept in the store like any other organizer.

When a template changes, its next preview organizer starts from the draft of the previous one
(and its uploaded files), so an author keeps what they typed while editing the template. Old
preview organizers stay in the store untouched: a save that an old page sends late is kept there.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from organizer.runtime.program import program_to_json
from organizer.runtime.store import NotFound, Organizer, Store, UploadRules

from .library import Entry

PREFIX = "preview-"
CARRIED = "(carried over)"  # the question recorded for a file copied from the previous version


@dataclass(frozen=True, slots=True)
class Preview:
    organizer: Organizer
    created: bool


class Previews:
    """Finds or creates the preview organizer of a library entry's current version."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = threading.Lock()
        self._latest: dict[str, str] = {}  # template key -> the newest preview organizer's id

    @staticmethod
    def is_preview(organizer_id: str) -> bool:
        return organizer_id.startswith(PREFIX)

    @staticmethod
    def prefix(key: str) -> str:
        """What the ids of a template's preview organizers start with (template ids hold no `-`)."""
        return f"{PREFIX}{key}-"

    def current(self, entry: Entry) -> Preview:
        """The preview organizer of `entry` (which must compile), created on first use."""
        assert entry.template is not None
        with self._lock:
            version = self.store.put_template(program_to_json(entry.template.program))
            organizer_id = self.prefix(entry.key) + version[:16]
            try:
                found = self.store.organizer(organizer_id)
            except NotFound:
                found = None
            if found is not None:
                self._latest[entry.key] = organizer_id
                return Preview(found, False)
            previous = self._previous(entry.key)
            answers = self.store.draft(previous).answers if previous else None
            created = self.store.create_organizer(template_version=version, name=entry.title,
                                                  organizer_id=organizer_id, answers=answers, actor="preview")
            if previous:
                self._copy_files(previous, organizer_id)
            self._latest[entry.key] = organizer_id
            return Preview(created, True)

    def _previous(self, key: str) -> str | None:
        if key in self._latest:
            return self._latest[key]
        mine = [o for o in self.store.organizers() if o.id.startswith(self.prefix(key))]
        return max(mine, key=lambda o: o.updated_at).id if mine else None

    def _copy_files(self, source: str, target: str) -> None:
        for stored in self.store.files(source):
            try:
                _, chunks = self.store.open_file(source, stored.sha256)
            except NotFound:
                continue
            self.store.put_file(target, question=CARRIED, name=stored.name, chunks=chunks, rules=UploadRules(),
                                actor="preview")
