"""A stored file that is discarded disappears with its row, and only when the change is committed."""
from portal.core import storage
from portal.core.models import StoredFile

PDF = b"%PDF-1.4\n%%EOF\n"


def test_a_discarded_file_stays_if_the_change_is_rolled_back_and_goes_when_it_is_committed(db):
    stored = storage.store_bytes(PDF, "seal.pdf", "application/pdf")
    db.session.commit()
    path = storage.path_of(stored)
    storage.discard(stored)
    db.session.flush()
    assert path.exists()  # nothing is removed before the commit
    db.session.rollback()
    assert path.exists() and db.session.get(StoredFile, stored.id) is not None
    storage.discard(db.session.get(StoredFile, stored.id))
    db.session.commit()
    assert not path.exists() and db.session.get(StoredFile, stored.id) is None
