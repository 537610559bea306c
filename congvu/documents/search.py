"""Full-text search over the registry (placeholder until the search engines land)."""

from congvu.documents.models import Document


def index_document(document: Document) -> None:
    """Write the document's folded text to the search index, in the caller's transaction."""
    return None
