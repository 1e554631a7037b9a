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
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from components.evidence.files import Problem
from components.evidence.loader import Evidence, EvidenceError, build_evidence, dataset_files

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ZIP_ENTRIES = 50
# What a zip may expand to in all. Validation needs a few times the text's size in memory, so this
# bounds what one upload can make the server hold.
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024
READ_CHUNK = 1024 * 1024
# Methods zipfile reads with the standard library alone; anything else is refused, not attempted.
ZIP_METHODS = {zipfile.ZIP_STORED: "stored", zipfile.ZIP_DEFLATED: "deflated"}
UPLOAD = "upload"


def _known_names(dictionary: dict) -> dict[str, str]:
    """Accepted names -> dataset path: 'studies.csv' or 'vocabularies/conditions.yaml' (either form)."""
    names = {}
    for path in dataset_files(dictionary):
        names[path] = path
        names[PurePosixPath(path).name] = path
    return names


def _zip_target(filename: str, known: dict[str, str]) -> str | None:
    """The dataset path a zip entry stands for, or None.

    Accepted: a dataset file at the top of the zip or inside one folder (the folder a zip tool makes
    when it zips a directory), vocabularies also inside a 'vocabularies' folder there. Anything deeper,
    absolute, with '..', a drive letter or a backslash is not a file of the dataset.
    """
    if "\\" in filename or ":" in filename:
        return None
    name = PurePosixPath(filename)
    parts = name.parts
    if name.is_absolute() or ".." in parts or not parts:
        return None
    folders = parts[:-1]
    if folders and folders[-1] == "vocabularies":
        folders = folders[:-1]
        relative = "vocabularies/" + parts[-1]
    else:
        relative = parts[-1]
    if len(folders) > 1:
        return None
    return known.get(relative)


def _read_entry(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, budget: int) -> tuple[bytes | None, str]:
    """The entry's bytes, or None and why not. Never more than `budget` bytes are expanded, whatever
    the entry's header claims."""
    if entry.flag_bits & 0x1:
        return None, "is encrypted; upload it without a password"
    if entry.compress_type not in ZIP_METHODS:
        return None, f"is compressed with a method this app does not read (method {entry.compress_type}); use deflate"
    if entry.file_size > budget:
        return None, "expands to more than the upload allows"
    chunks, size = [], 0
    try:
        with archive.open(entry) as handle:
            while chunk := handle.read(READ_CHUNK):
                size += len(chunk)
                if size > min(budget, entry.file_size):
                    return None, "holds more than its size in the zip says; the zip looks crafted or damaged"
                chunks.append(chunk)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, RuntimeError, NotImplementedError):
        return None, "cannot be expanded: the zip is damaged or incomplete"
    return b"".join(chunks), ""


def _from_zip(raw: bytes, known: dict[str, str], zip_name: str) -> tuple[dict[str, bytes], list[Problem]]:
    problems: list[Problem] = []
    files: dict[str, bytes] = {}
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        entries = [e for e in archive.infolist() if not e.is_dir()]
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return {}, [Problem(zip_name, None, "", "", "the .zip file cannot be opened: it is damaged or not a zip")]
    if len(entries) > MAX_ZIP_ENTRIES:
        message = f"the zip holds {len(entries):,} files; at most {MAX_ZIP_ENTRIES} are read"
        return {}, [Problem(zip_name, None, "", "", message)]
    if sum(e.file_size for e in entries) > MAX_UNZIPPED_BYTES:
        limit = MAX_UNZIPPED_BYTES // (1024 * 1024)
        return {}, [Problem(zip_name, None, "", "", f"the zip expands to more than {limit} MB; it is not read")]
    budget = MAX_UNZIPPED_BYTES
    from_entry: dict[str, str] = {}
    for entry in entries:
        name = PurePosixPath(entry.filename)
        if name.name.startswith(".") or "__MACOSX" in name.parts:
            continue
        target = _zip_target(entry.filename, known)
        where = f"{zip_name}: {entry.filename}"
        if target is None:
            problems.append(Problem(where, None, "", "", "is not a file of this dataset's schema; ignored"))
            continue
        if target in from_entry:
            message = f"is the same dataset file as {from_entry[target]}; neither is read"
            problems.append(Problem(where, None, "", "", message))
            files.pop(target, None)
            continue
        from_entry[target] = entry.filename
        data, why = _read_entry(archive, entry, budget)
        if data is None:
            problems.append(Problem(where, None, "", "", why))
            continue
        budget -= len(data)
        files[target] = data
    return files, problems


def collect_upload(uploads: Iterable[tuple[str, bytes]], dictionary: dict) -> tuple[dict[str, bytes], list[Problem]]:
    """The uploaded files by dataset path, and problems with the upload itself (not its contents)."""
    known = _known_names(dictionary)
    files: dict[str, bytes] = {}
    problems: list[Problem] = []
    for name, raw in uploads:
        if len(raw) > MAX_UPLOAD_BYTES:
            problems.append(Problem(name, None, "", "", f"is larger than {MAX_UPLOAD_BYTES // (1024 * 1024)} MB"))
            continue
        if name.lower().endswith(".zip"):
            unzipped, zip_problems = _from_zip(raw, known, name)
            files.update(unzipped)
            problems += zip_problems
            continue
        target = known.get(PurePosixPath(name).name)
        if target is None:
            problems.append(Problem(name, None, "", "", "is not a file of this dataset's schema (see the template)"))
            continue
        files[target] = raw
    return files, problems


@dataclass(frozen=True)
class UploadCheck:
    """What an upload came to: the evidence it makes (None when it makes none), the dataset files it
    supplied, and every problem — with the upload itself and with its contents."""

    evidence: Evidence | None
    files: tuple[str, ...]
    upload_problems: tuple[Problem, ...]
    data_problems: tuple[Problem, ...]

    @property
    def problems(self) -> tuple[Problem, ...]:
        return self.upload_problems + self.data_problems

    @property
    def verdict(self) -> tuple[str, str]:
        """(state, sentence) for the page: 'error', 'warning' or 'complete', worded from the problems
        themselves, so it can never say 'passed' above a table of problems."""
        if not self.files:
            return "error", "Nothing in your upload could be used: see the problems below"
        if self.evidence is None:
            return "error", f"Your data has {len(self.problems)} problem(s): see below"
        if self.upload_problems:
            return (
                "warning",
                f"Your data passed every check, but {len(self.upload_problems)} file(s) were not used: see below",
            )
        return "complete", "Your data passed every check"


def check_upload(uploads: Iterable[tuple[str, bytes]], dictionary: dict, shipped: Mapping[str, bytes]) -> UploadCheck:
    """Read and validate an upload, completed with the shipped files it does not replace."""
    files, upload_problems = collect_upload(uploads, dictionary)
    if not files:
        return UploadCheck(None, (), tuple(upload_problems), ())
    try:
        evidence = build_evidence(with_shipped(files, shipped), dictionary)
        data_problems: list[Problem] = []
    except EvidenceError as err:
        evidence, data_problems = None, err.problems
    return UploadCheck(evidence, tuple(sorted(files)), tuple(upload_problems), tuple(data_problems))


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
