"""Checking an image's bytes against the digests that name them.

Documents read whole (manifests, indexes, configs) are checked with
:func:`verify_bytes`. A layer is checked in the one pass that reads it
(:class:`LayerDigests`): its blob as stored against the digest a descriptor
vouches for, its plain tar against the config's diff_id. Hashing a big layer
costs as much CPU as parsing its tar, so past the first few megabytes the
hashing runs on a worker thread (hashlib releases the GIL), next to the
parser instead of after it.
"""

from __future__ import annotations

import hashlib
import queue
import re
import threading
from typing import Any, Callable

from imagepolicy.model import InputError

_HASHES = {
    "sha256": (hashlib.sha256, re.compile(r"[a-f0-9]{64}")),
    "sha512": (hashlib.sha512, re.compile(r"[a-f0-9]{128}")),
}
_INLINE_BYTES = 4 << 20  # a small layer is hashed in line: a thread would cost more than it saves
_QUEUE_CHUNKS = 8  # chunks waiting for the worker: with _QUEUED_CHUNK_BYTES, bounds its memory
_QUEUED_CHUNK_BYTES = 1 << 20


def hasher(digest: str, where: str) -> Any:
    """A fresh hash object for ``digest``'s algorithm; InputError for a malformed or unsupported digest."""
    algorithm, _, encoded = str(digest).partition(":")
    known = _HASHES.get(algorithm)
    if known is None:
        raise InputError(f"{where}: cannot verify the digest {str(digest)[:80]!r}: imagepolicy checks sha256 and sha512 digests only")
    if not known[1].fullmatch(encoded):
        raise InputError(f"{where}: {str(digest)[:80]!r} is not a valid {algorithm} digest")
    return known[0]()


def well_formed(algorithm: str, encoded: str) -> bool:
    """False for a registered algorithm (sha256, sha512) whose encoded part has the wrong form."""
    known = _HASHES.get(algorithm)
    return known is None or bool(known[1].fullmatch(encoded))


def mismatch(where: str, what: str, digest: str) -> InputError:
    return InputError(f"{where}: {what} does not match its digest {digest}; the archive is damaged or was altered after it was written")


def _matches(h: Any, digest: str) -> bool:
    return f"{digest.partition(':')[0]}:{h.hexdigest()}" == digest


def verify_bytes(data: bytes, digest: str, where: str) -> None:
    """InputError unless ``data`` hashes to ``digest``."""
    h = hasher(digest, where)
    h.update(data)
    if not _matches(h, digest):
        raise mismatch(where, "the content", digest)


class _Worker:
    """Feeds hash objects in order: in line at first, then on a thread once enough bytes passed."""

    def __init__(self) -> None:
        self._fed = 0
        self._queue: queue.Queue[tuple[Any, bytes] | None] | None = None
        self._thread: threading.Thread | None = None

    def update(self, h: Any, data: bytes) -> None:
        if len(data) > _QUEUED_CHUNK_BYTES:  # a rare huge chunk (zstd RLE): hashed here, never held in the queue
            self.finish()
            h.update(data)
            return
        if self._queue is None:
            self._fed += len(data)
            if self._fed <= _INLINE_BYTES:
                h.update(data)
                return
            self._queue = queue.Queue(_QUEUE_CHUNKS)
            self._thread = threading.Thread(target=self._run, args=(self._queue,), name="imagepolicy-hash", daemon=True)
            self._thread.start()
        self._queue.put((h, data))

    @staticmethod
    def _run(work: queue.Queue[tuple[Any, bytes] | None]) -> None:
        while True:
            item = work.get()
            if item is None:
                return
            item[0].update(item[1])

    def finish(self) -> None:
        """Wait until every byte fed is hashed (and stop the thread)."""
        if self._queue is not None and self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._queue = self._thread = None


class LayerDigests:
    """Checks one layer's bytes in the pass that reads them: the blob as stored against ``blob``
    (its descriptor's digest, when one vouches for it) and the plain tar against ``diff_id``.

    :func:`imagepolicy.image.blobs.decompressed` feeds it; once the plain
    stream is drained, :meth:`verify` reads what is left of the blob (padding
    after the compressed data) and raises InputError on a mismatch. Use it as
    a context manager so that its worker thread ends whatever happens.
    """

    def __init__(self, blob: str | None, diff_id: str | None, where: str) -> None:
        self.blob, self.diff_id, self.where = blob, diff_id, where
        self._blob_hash = hasher(blob, where) if blob else None
        self._plain_hash = hasher(diff_id, where) if diff_id else None
        self._worker = _Worker()
        self._drain: Callable[[], None] | None = None

    def __enter__(self) -> LayerDigests:
        return self

    def __exit__(self, *exc: object) -> None:
        self._worker.finish()

    def feeders(self, compression: str, drain: Callable[[], None]) -> tuple[Callable[[bytes], None] | None, Callable[[bytes], None] | None]:
        """(what to call with each blob chunk, with each plain chunk); ``drain()`` reads the rest of the blob."""
        self._drain = drain
        if compression == "none" and self._plain_hash is not None:
            same = self._blob_hash is None or self.blob.partition(":")[0] == self.diff_id.partition(":")[0]  # type: ignore[union-attr]
            if same:  # the plain bytes are the blob: hash them once, check both digests
                self._blob_hash = self._blob_hash or self._plain_hash
                self._plain_hash = self._blob_hash
                return self._feed(self._blob_hash), None
        return self._feed(self._blob_hash), self._feed(self._plain_hash)

    def _feed(self, h: Any) -> Callable[[bytes], None] | None:
        if h is None:
            return None
        update = self._worker.update
        return lambda data: update(h, data)

    def verify(self) -> None:
        """Raise InputError when the bytes read do not match the digests (call after the plain stream is drained)."""
        if self._blob_hash is not None and self._drain is not None:
            self._drain()  # what follows the compressed data is part of the blob too
        self._worker.finish()
        if self.blob and self._blob_hash is not None and not _matches(self._blob_hash, self.blob):
            raise mismatch(self.where, "the layer blob", self.blob)
        if self.diff_id and self._plain_hash is not None and not _matches(self._plain_hash, self.diff_id):
            raise mismatch(self.where, "the uncompressed layer (its diff_id)", self.diff_id)
