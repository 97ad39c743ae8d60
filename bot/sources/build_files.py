"""Moving an index build between a replica's disk and the database: `publish_build` stores a build
directory's files (each content stored once, by hash) and makes it the current build; `fetch_build`
writes a published build into an index directory and flips its CURRENT atomically, for the running
server's IndexWatcher to swap in.

A file a local build already has (the 90 MB query encoder, usually) is hard-linked, not downloaded:
builds are never modified in place, so sharing an inode between them is safe.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bot import logs
from bot.engine.index import POINTER
from bot.storage.index_builds import PublishedFile
from ingest import index_store
from ingest.lock import ingest_lock

log = logs.get_logger("hibot.builds")
PART_BYTES = 8 * 1024 * 1024  # one blob row: large files are streamed in parts of this size
BUILDER_DIR = ".builder"  # inside an index directory: the builder's own index and corpus


_HASHES: dict[tuple[int, int, int, int], str] = {}  # (device, inode, size, mtime) -> sha256


def _inode(path: Path) -> tuple[int, int, int, int]:
    st = path.stat()
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def file_sha256(path: Path) -> str:
    """The file's hash, computed once per inode: a build's files are hard links shared by builds."""
    key = _inode(path)
    if key not in _HASHES:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def _parts(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while block := f.read(PART_BYTES):
            yield block


def build_files(build_dir: Path) -> list[tuple[Path, PublishedFile]]:
    out = []
    for p in sorted(build_dir.rglob("*")):
        if p.is_file():
            rel = p.relative_to(build_dir).as_posix()
            out.append((p, PublishedFile(rel, file_sha256(p), p.stat().st_size)))
    return out


def remember_hashes(build_dir: Path, hashes: dict[str, str]) -> None:
    """Hashes another process computed for `build_dir`'s files (the build worker's), so fetching
    that build here links its files without reading them again."""
    for rel, sha in hashes.items():
        try:
            _HASHES[_inode(build_dir / rel)] = sha
        except OSError:
            continue


def remember_published(store: Any, index_dir: Path) -> None:
    """The hashes the database lists for the build this index serves (published from or fetched
    into it; builds are never changed in place): every hard link of its files then needs no read."""
    serving = local_build(index_dir)
    if serving is None:
        return
    build = Path(index_dir) / "builds" / serving
    listed = store.index_build_file_list(serving)
    remember_hashes(build, {f.path: f.sha256 for f in listed if _size(build / f.path) == f.size})


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except OSError:
        return None


def publish_build(store: Any, build_dir: Path, *, published_by: str, token: str | None = None) -> bool:
    """Store `build_dir`'s files and record it as the current build (with `token`: only while that
    build lease holds, ending its requests as live). False when the lease was lost."""
    manifest = json.loads((build_dir / "manifest.json").read_text(encoding="utf-8"))
    files = build_files(build_dir)
    for path, f in files:
        if not store.has_index_blob(f.sha256):
            store.put_index_blob(f.sha256, _parts(path))
    return bool(
        store.publish_index_build(
            build_dir.name,
            [f for _, f in files],
            published_by=published_by,
            corpus_hash=manifest.get("corpus_hash"),
            built_at=manifest.get("built_at"),
            token=token,
        )
    )


def local_build(index_dir: Path) -> str | None:
    try:
        return (index_dir / POINTER).read_text(encoding="utf-8").strip() or None
    except OSError:
        return None


def fetch_build(store: Any, index_dir: Path, build_id: str) -> Path:
    """Write published build `build_id` into `index_dir/builds/` (reusing identical local files) and
    point CURRENT at it; the build's directory. Holds the index's ingest lock, so a concurrent
    `hibot ingest` there is not pruned away (and does not prune this)."""
    files = store.index_build_file_list(build_id)
    if not files:
        raise LookupError(f"build {build_id} has no files in the database")
    remember_published(store, index_dir)
    with ingest_lock(index_dir, wait_s=30):
        final = index_dir / "builds" / build_id
        if final.is_dir() and _complete(final, files):
            _point(index_dir, build_id)
            return final
        tmp = index_store.new_build_dir(index_dir)
        try:
            local = _local_files(index_dir, build_id)
            for f in files:
                _materialise(store, f, tmp / f.path, local)
            if final.exists():  # an incomplete leftover: replaced whole
                shutil.rmtree(final)
            return index_store.publish(index_dir, tmp, build_id)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _point(index_dir: Path, build_id: str) -> None:
    tmp = index_dir / f".{POINTER}.tmp"
    tmp.write_text(build_id)
    os.replace(tmp, index_dir / POINTER)


def _complete(build: Path, files: list[PublishedFile]) -> bool:
    return all((build / f.path).is_file() and (build / f.path).stat().st_size == f.size for f in files)


def _local_files(index_dir: Path, skip: str) -> dict[str, list[Path]]:
    """Files of the builds on this disk (the serving index's and the builder's), by relative path."""
    out: dict[str, list[Path]] = {}
    for builds in (index_dir / "builds", index_dir / BUILDER_DIR / "builds"):
        if not builds.is_dir():
            continue
        for build in builds.iterdir():
            if not build.is_dir() or build.name.startswith(".") or build.name == skip:
                continue
            for p in build.rglob("*"):
                if p.is_file():
                    out.setdefault(p.relative_to(build).as_posix(), []).append(p)
    return out


def _materialise(store: Any, f: PublishedFile, dest: Path, local: dict[str, list[Path]]) -> None:
    dest.parent.mkdir(parents=True, exist_ok=True)
    for candidate in local.get(f.path, []):
        try:
            if candidate.stat().st_size == f.size and file_sha256(candidate) == f.sha256:
                _link_or_copy(candidate, dest)
                return
        except OSError:
            continue
    h = hashlib.sha256()
    with open(dest, "wb") as out:
        for part in store.index_blob_parts(f.sha256):
            h.update(part)
            out.write(part)
    if h.hexdigest() != f.sha256:
        raise OSError(f"{f.path} of the published build does not match its hash")
    _HASHES[_inode(dest)] = f.sha256  # the next fetch links this file without reading it again


def _link_or_copy(src: Path, dst: Path) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)
