"""Writing map pages by the export's rule: nothing replaced unless asked, nothing half-written.

A missing parent folder is an error, not a tree of folders grown from a typo in
`--out`; an existing page is kept unless `overwrite`; pages are written under a
private folder beside their targets and renamed into place only when all of them
are complete, so an error or Ctrl-C leaves no partial page behind.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from geo.errors import ConflictError, InputError, NotFoundError


def check_folder(folder: Path, *, what: Path) -> None:
    """Fail unless `folder` exists and is a folder (`what` names the output in the message)."""
    if not folder.exists():
        raise NotFoundError(f"{what}: folder {folder} does not exist", field="out")
    if not folder.is_dir():
        raise InputError(f"{what}: {folder} is not a folder", field="out")


def check_targets(paths: Iterable[Path], *, overwrite: bool) -> None:
    """Fail on a target that is a folder, or that exists when `overwrite` is off."""
    for path in paths:
        if path.is_dir():
            raise InputError(f"{path}: is a folder; give a file name", field="out")
        if path.exists() and not overwrite:
            raise ConflictError(f"{path}: exists; use --overwrite to replace it",
                                field="out", code="exists")


@contextmanager
def staged_pages(folder: Path, targets: list[Path], *, overwrite: bool) -> Iterator[Path]:
    """A private folder inside `folder`; on a clean exit each `targets[i]` takes the file at
    the same path relative to `folder` inside it. The private folder goes whatever happens."""
    try:
        staging = Path(tempfile.mkdtemp(prefix=".maps.", suffix=".partial", dir=folder))
    except OSError as err:
        raise InputError(f"{folder}: cannot write there ({err.strerror})", field="out") from None
    try:
        yield staging
        check_targets(targets, overwrite=overwrite)  # one may have appeared while we drew
        for target in targets:
            os.replace(staging / target.relative_to(folder), target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


@contextmanager
def folders_made(*folders: Path) -> Iterator[None]:
    """Make the missing `folders` (parents first); on an error remove those made here again."""
    made = [folder for folder in folders if not folder.exists()]
    for folder in made:
        folder.mkdir()
    try:
        yield
    except BaseException:
        for folder in reversed(made):
            with suppress(OSError):  # not empty: something else wrote there meanwhile
                folder.rmdir()
        raise
