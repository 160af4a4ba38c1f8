"""Static image reader: every archive shape, one merged filesystem, lazy contents.

Entry point: :func:`open_image`. Nothing is run and nothing is extracted to
disk; memory grows with the number of paths, not with the image's bytes.
"""

from __future__ import annotations

from .image import Image, open_image
from .model import FILE_TYPES, FileEntry, HistoryEntry, LayerInfo

__all__ = ["FILE_TYPES", "FileEntry", "HistoryEntry", "Image", "LayerInfo", "open_image"]
