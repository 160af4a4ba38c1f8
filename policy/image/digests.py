"""Checking an image's bytes against the digests that name them.

Documents read whole (manifests, indexes, configs) are checked with
:func:`verify_bytes`. A layer is checked in the one pass that reads it
(:class:`LayerDigests`): its blob as stored against the digest a descriptor
vouches for, its plain tar against the config's diff_id. Hashing a big layer
costs as much CPU as parsing its tar, so past the first few megabytes the
hashing runs on a worker thread (hashlib releases the GIL), next to the
parser instead of after it.

An uncompressed layer that is a region of a file on disk (a plain
docker-archive, an OCI layout's blob) is hashed straight from the file by a
:class:`HashPool` shared by the image's layers: large ``pread`` calls into a
reused buffer on worker threads, layers in parallel, while the parser reads
only the tar headers. Its digests are compared once every layer is read
(:meth:`HashPool.finish`), so one layer's hashing never waits for another's
parsing. The parser and the hasher read the file separately; a file changed
between the two reads is no threat beyond what its writer could have put in a
consistent archive, and reads of file contents later read the file again anyway.
"""

from __future__ import annotations

import hashlib
import os
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
_REGION_READ = 1 << 20  # one pread of a region hashed from its file: the syscalls cost nothing at this size, and the buffer is alive while the rules run


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
    # Worded for every source: an archive or layout on disk, a daemon's export, a registry's blob.
    return InputError(f"{where}: {what} does not match its digest {digest}; the image's bytes were damaged or "
                      "altered after the digest was made (where it was stored or on the way here)")


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
            if self._fed <= _INLINE_BYTES or not self._start():
                h.update(data)
                return
        self._queue.put((h, data))  # type: ignore[union-attr]

    def _start(self) -> bool:
        """Start the thread; False (hash in line from now on) when none can start (a memory bound)."""
        work: queue.Queue[tuple[Any, bytes] | None] = queue.Queue(_QUEUE_CHUNKS)
        thread = threading.Thread(target=self._run, args=(work,), name="imagepolicy-hash", daemon=True)
        if not start_thread(thread):
            self._fed = -(1 << 62)  # never try again
            return False
        self._queue, self._thread = work, thread
        return True

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


def start_thread(thread: threading.Thread) -> bool:
    """Start ``thread``; False when the system cannot start one (under a tight address-space bound each
    thread's stack and malloc arena count): the caller then does the work in line."""
    try:
        thread.start()
    except RuntimeError:
        return False
    return True


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class _RegionTask:
    """One file region to hash with some hash objects; ``error`` says what went wrong (a short read)."""

    __slots__ = ("fd", "offset", "size", "hashes", "done", "error")

    def __init__(self, fd: int, offset: int, size: int, hashes: list[Any]) -> None:
        self.fd, self.offset, self.size, self.hashes = fd, offset, size, hashes
        self.done = threading.Event()
        self.error: str | None = None


class HashPool:
    """Hashes file regions (uncompressed layers) on worker threads, layers in parallel, and checks
    their digests once the image is read.

    ``submit`` queues a region (its own duplicate of the file descriptor, closed when hashed);
    ``defer`` queues a check to run after every region is hashed; :meth:`finish` waits for the
    workers and runs the checks in order (the first mismatch is raised); :meth:`close` stops the
    workers whatever happened (pending regions are dropped). Threads start with the first region, at
    most one per core but one (four at most): the caller's thread, which parses the tar headers and then
    runs the rules while the last regions are hashed, keeps a core to itself. Small images never start one.
    """

    def __init__(self, workers: int | None = None) -> None:
        self._workers = max(1, workers if workers is not None else min(_cores() - 1, 4))
        self._queue: queue.SimpleQueue[_RegionTask | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self._checks: list[Callable[[], None]] = []
        self._stopped = False
        self._early: dict[tuple[int, int, str | None, str | None], LayerDigests] = {}

    def hash_ahead(self, fd: int, offset: int, size: int, blob: str | None, diff_id: str | None) -> None:
        """Start hashing a layer's region before its turn comes (the image's largest first, so the longest
        hash starts at once); the layer's :class:`LayerDigests` adopts it. A malformed digest is left for
        the layer's own turn to report."""
        key = (offset, size, blob, diff_id)
        if key in self._early:
            return  # the same bytes under another name (a linked member of the archive)
        try:
            early = LayerDigests(blob, diff_id, "", self)
        except InputError:
            return
        early.hash_region(fd, offset, size)
        self._early[key] = early

    def _adopt(self, offset: int, size: int, blob: str | None, diff_id: str | None) -> LayerDigests | None:
        return self._early.get((offset, size, blob, diff_id))  # shared by layers that are the same bytes

    def submit(self, fd: int, offset: int, size: int, hashes: list[Any]) -> _RegionTask:
        task = _RegionTask(os.dup(fd), offset, size, hashes)
        if len(self._threads) < self._workers:
            thread = threading.Thread(target=self._run, name="imagepolicy-hash", daemon=True)
            if start_thread(thread):
                self._threads.append(thread)
            elif not self._threads:  # no thread at all: hash it here and now
                self._queue.put(task)
                self._queue.put(None)
                self._run()
                return task
        self._queue.put(task)
        return task

    def _run(self, wait: bool = True) -> None:
        """Hash queued regions until a stop mark (``wait``), or until none is left (the caller helping)."""
        buffer = bytearray()
        view = memoryview(buffer)
        while True:
            if wait:
                if buffer and self._queue.empty():  # idle (the image's rules may run meanwhile): hold no buffer
                    view.release()
                    buffer = bytearray()
                    view = memoryview(buffer)
                task = self._queue.get()
            else:
                try:
                    task = self._queue.get_nowait()
                except queue.Empty:
                    return
            if task is None:
                return
            if len(buffer) < min(task.size, _REGION_READ):  # as large as the regions need: a small image keeps a small buffer
                view.release()
                buffer = bytearray(min(task.size, _REGION_READ))
                view = memoryview(buffer)
            try:
                _hash_region(task, buffer, view, self)
            except OSError as exc:
                task.error = f"it could not be read ({exc.strerror})"
            finally:
                os.close(task.fd)
                task.done.set()

    def defer(self, check: Callable[[], None]) -> None:
        self._checks.append(check)

    def finish(self) -> None:
        """Wait until every region is hashed; run the deferred checks in order (InputError on a mismatch).

        The caller hashes the regions no worker has started yet meanwhile (the smallest: the largest go
        first): a core it would leave idle while it waits."""
        if self._threads:
            self._run(wait=False)
        self._join()
        checks, self._checks = self._checks, []
        for check in checks:
            check()

    def close(self) -> None:
        """Stop the workers (call in a ``finally``); regions not yet hashed are dropped."""
        self._stopped = True
        self._join()
        self._checks = []
        self._early = {}

    def _join(self) -> None:
        for _ in self._threads:
            self._queue.put(None)
        for thread in self._threads:
            thread.join()
        self._threads = []


def _hash_region(task: _RegionTask, buffer: bytearray, view: memoryview, pool: HashPool) -> None:
    """Feed ``task``'s region to its hash objects: preadv into a reused buffer (no bytes object per
    read), both calls without the GIL; stops early once ``pool`` is closed."""
    offset, left, fd = task.offset, task.size, task.fd
    updates = [h.update for h in task.hashes]
    while left > 0 and not pool._stopped:
        want = min(left, len(buffer))
        got = os.preadv(fd, [view[:want]] if want < len(buffer) else [buffer], offset)
        if got <= 0:
            task.error = f"the file ends {left:,} bytes early"
            return
        chunk = view[:got]
        for update in updates:
            update(chunk)
        offset += got
        left -= got


class LayerDigests:
    """Checks one layer's bytes in the pass that reads them: the blob as stored against ``blob``
    (its descriptor's digest, when one vouches for it) and the plain tar against ``diff_id``.

    :func:`imagepolicy.image.blobs.decompressed` feeds it; once the plain
    stream is drained, :meth:`verify` reads what is left of the blob (padding
    after the compressed data) and raises InputError on a mismatch. Use it as
    a context manager so that its worker thread ends whatever happens.
    """

    def __init__(self, blob: str | None, diff_id: str | None, where: str, pool: HashPool | None = None) -> None:
        self.blob, self.diff_id, self.where = blob, diff_id, where
        self._blob_hash = hasher(blob, where) if blob else None
        self._plain_hash = hasher(diff_id, where) if diff_id else None
        self._worker = _Worker()
        self._drain: Callable[[], None] | None = None
        self._pool = pool
        self._region: tuple[HashPool, _RegionTask] | None = None  # the blob (and, uncompressed, the plain tar) hashed from its file
        self._blob_only = False
        self._closers: list[Callable[[], None]] = []

    def closing(self, close: Callable[[], None]) -> None:
        """Call ``close`` when the layer's read ends, whatever happens (to stop its inflate thread on an error)."""
        self._closers.append(close)

    def __enter__(self) -> LayerDigests:
        return self

    def feeders(self, compression: str, drain: Callable[[], None]) -> tuple[Callable[[bytes], None] | None, Callable[[bytes], None] | None]:
        """(what to call with each blob chunk, with each plain chunk); ``drain()`` reads the rest of the blob."""
        self._drain = drain
        if self._region is not None and self._blob_only:
            return None, self._feed(self._plain_hash)  # the blob is hashed from its file
        if compression == "none" and self._plain_hash is not None:
            same = self._blob_hash is None or self.blob.partition(":")[0] == self.diff_id.partition(":")[0]  # type: ignore[union-attr]
            if same:  # the plain bytes are the blob: hash them once, check both digests
                self._blob_hash = self._blob_hash or self._plain_hash
                self._plain_hash = self._blob_hash
                return self._feed(self._blob_hash), None
        return self._feed(self._blob_hash), self._feed(self._plain_hash)

    def hash_region(self, fd: int, offset: int, size: int, *, blob_only: bool = False) -> None:
        """The layer's blob is ``size`` bytes of file ``fd`` at ``offset``: hash it from the file on the image's
        :class:`HashPool` (else a pool of its own). Uncompressed, the blob is the plain tar too and both digests
        are checked from it; compressed (``blob_only``), the plain tar is still hashed as it is inflated."""
        plain = None if blob_only else self.diff_id
        early = self._pool._adopt(offset, size, self.blob, plain) if self._pool is not None else None
        self._blob_only = blob_only
        if early is not None:  # hashing since the image was opened
            self._blob_hash, self._region = early._blob_hash, early._region
            if not blob_only:
                self._plain_hash = early._plain_hash
            return
        if blob_only:
            hashes = [self._blob_hash] if self._blob_hash is not None else []
        elif self._blob_hash is not None and self._plain_hash is not None and self.blob.partition(":")[0] == self.diff_id.partition(":")[0]:  # type: ignore[union-attr]
            self._plain_hash = self._blob_hash  # the same bytes with the same algorithm: hashed once
            hashes = [self._blob_hash]
        else:
            hashes = [h for h in (self._blob_hash, self._plain_hash) if h is not None]
        if not hashes:
            return
        pool = self._pool or HashPool(1)
        self._region = (pool, pool.submit(fd, offset, size, hashes))

    def _feed(self, h: Any) -> Callable[[bytes], None] | None:
        if h is None:
            return None
        update = self._worker.update
        return lambda data: update(h, data)

    def __exit__(self, *exc: object) -> None:
        for close in self._closers:
            close()
        self._worker.finish()
        if self._region is not None and self._pool is None:
            self._region[0].close()

    def verify(self) -> None:
        """Raise InputError when the bytes read do not match the digests (call after the plain stream is drained).

        What is hashed from the file on the image's pool is checked when the pool finishes."""
        region = self._region
        if region is None or self._blob_only:
            if region is None and self._blob_hash is not None and self._drain is not None:
                self._drain()  # what follows the compressed data is part of the blob too
            self._worker.finish()
            self._check(blob=region is None, plain=True)
            if region is None:
                return
        pool, task = region
        plain = not self._blob_only
        if self._pool is None:
            pool.finish()
            self._check_region(task, plain)
        else:
            pool.defer(lambda: self._check_region(task, plain))

    def _check_region(self, task: _RegionTask, plain: bool) -> None:
        task.done.wait()
        if task.error is not None:
            raise InputError(f"{self.where}: the layer changed while it was read: {task.error}; check the image again")
        self._check(blob=True, plain=plain)

    def _check(self, *, blob: bool, plain: bool) -> None:
        if blob and self.blob and self._blob_hash is not None and not _matches(self._blob_hash, self.blob):
            raise mismatch(self.where, "the layer blob", self.blob)
        if plain and self.diff_id and self._plain_hash is not None and not _matches(self._plain_hash, self.diff_id):
            raise mismatch(self.where, "the uncompressed layer (its diff_id)", self.diff_id)
