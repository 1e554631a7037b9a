"""Bring your own data: turn uploaded files (CSV and YAML, or one zip of them) into a dataset the
loader can validate — in memory only, never written to disk.

Files the user does not upload are taken from the shipped dataset, so a lab can upload just its
own studies and outcomes against our vocabularies. A zip is read defensively: only the dataset's
own file names, no paths outside it, and caps on entries and uncompressed size (a zip bomb is
refused before it is expanded).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable, Mapping
from pathlib import PurePosixPath

from components.evidence.files import Problem
from components.evidence.loader import dataset_files

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ZIP_ENTRIES = 50
MAX_UNZIPPED_BYTES = 100 * 1024 * 1024
UPLOAD = "upload"


def _known_names(dictionary: dict) -> dict[str, str]:
    """Accepted names -> dataset path: 'studies.csv' or 'vocabularies/conditions.yaml' (either form)."""
    names = {}
    for path in dataset_files(dictionary):
        names[path] = path
        names[PurePosixPath(path).name] = path
    return names


def _from_zip(raw: bytes, known: dict[str, str]) -> tuple[dict[str, bytes], list[Problem]]:
    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
    except zipfile.BadZipFile:
        return {}, [Problem(UPLOAD, None, "", "", "the .zip file cannot be opened")]
    entries = [e for e in archive.infolist() if not e.is_dir()]
    if len(entries) > MAX_ZIP_ENTRIES:
        return {}, [
            Problem(UPLOAD, None, "", "", f"the zip holds {len(entries)} files; at most {MAX_ZIP_ENTRIES} are read")
        ]
    if sum(e.file_size for e in entries) > MAX_UNZIPPED_BYTES:
        return {}, [Problem(UPLOAD, None, "", "", "the zip expands to more than 100 MB; it is not read")]
    for entry in entries:
        name = PurePosixPath(entry.filename)
        if name.name.startswith(".") or "__MACOSX" in name.parts:
            continue
        # Accept the dataset's files at the top of the zip or inside one folder, never elsewhere.
        relative = "/".join(name.parts[-2:]) if len(name.parts) >= 2 and name.parts[-2] == "vocabularies" else name.name
        target = known.get(relative) or known.get(name.name)
        if target is None or ".." in name.parts or name.is_absolute():
            problems.append(Problem(entry.filename, None, "", "", "is not a file of this dataset's schema; ignored"))
            continue
        with archive.open(entry) as handle:
            files[target] = handle.read(MAX_UNZIPPED_BYTES + 1)
    return files, problems


def collect_upload(uploads: Iterable[tuple[str, bytes]], dictionary: dict) -> tuple[dict[str, bytes], list[Problem]]:
    """The uploaded files by dataset path, and problems with the upload itself (not its contents)."""
    known = _known_names(dictionary)
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    for name, raw in uploads:
        if len(raw) > MAX_UPLOAD_BYTES:
            problems.append(Problem(name, None, "", "", "is larger than 20 MB"))
            continue
        if name.lower().endswith(".zip"):
            unzipped, zip_problems = _from_zip(raw, known)
            files.update(unzipped)
            problems += zip_problems
            continue
        target = known.get(PurePosixPath(name).name)
        if target is None:
            problems.append(Problem(name, None, "", "", "is not a file of this dataset's schema (see the template)"))
            continue
        files[target] = raw
    return files, problems


def with_shipped(uploaded: Mapping[str, bytes], shipped: Mapping[str, bytes]) -> dict[str, bytes]:
    """The uploaded files, completed with the shipped ones for anything not uploaded."""
    return {**shipped, **uploaded}


def template_zip(dictionary: dict, shipped: Mapping[str, bytes], dictionary_bytes: bytes) -> bytes:
    """A zip with every table's header row, the shipped vocabularies, the dictionary and a README."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for spec in dictionary["tables"].values():
            archive.writestr(spec["file"], ",".join(spec["columns"]) + "\r\n")
        for spec in dictionary["vocabularies"].values():
            archive.writestr(spec["file"], shipped.get(spec["file"], b""))
        archive.writestr(dictionary["version_file"], 'version: "my-data-1"\ndate: "2026-01-01"\nchangelog: []\n')
        archive.writestr("dictionary.yaml", dictionary_bytes)
        archive.writestr(
            "README.txt",
            "Fill the CSV tables (one row per fact, columns as in dictionary.yaml), keep or extend the\n"
            "vocabularies, zip the folder and upload it on the 'Use your own data' page. Files you leave out\n"
            "are taken from the shipped dataset. Every problem is reported with its file, row, column and value.\n",
        )
    return buffer.getvalue()
