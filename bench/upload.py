"""What one hostile upload costs the server: a 20 MB upload of each pathological shape, checked the
way the upload page checks it (`check_upload`), each in a fresh process so that its peak memory is
its own.

Shapes (each the largest the upload limit allows):
  - one column: a header `x` and millions of lines `1` (once took the server from 0.6 to 5.3 GB)
  - two fields: millions of `1,2` rows (once 174 s and 4 GB, with a 5-million-row problems table)
  - wrong field count: the right header, then rows with one field too few
  - duplicate ids: the right header, every row the same study
  - follow-up chain: valid studies, each the follow-up of the previous one (once quadratic)
  - deflate bomb: a 20 MB zip that expands to far more than the 50 MB a zip may hold
  - zip of big CSV: a zip within the limits whose CSV expands to 50 MB of valid-looking studies

    python -m bench.upload
"""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import time
import zipfile

from components.evidence.loader import DATA_DIR, read_data_dir, read_dictionary
from components.evidence.upload import MAX_UNZIPPED_BYTES, MAX_UPLOAD_BYTES

GOAL_S = 5.0
GOAL_MB = 500.0
SHAPES = (
    "one column",
    "two fields",
    "wrong field count",
    "duplicate ids",
    "follow-up chain",
    "deflate bomb",
    "zip of big CSV",
)


def _repeat_to(line: bytes, limit: int, header: bytes = b"") -> bytes:
    return header + line * ((limit - len(header)) // len(line))


def _studies_header() -> tuple[bytes, list[str]]:
    columns = list(read_dictionary()["tables"]["studies"]["columns"])
    return ",".join(columns).encode(), columns


def _study_row(columns: list[str], study_id: str, parent: str = "") -> bytes:
    values = {
        "study_id": study_id,
        "condition": "sle",
        "parent_study_id": parent,
        "year": "2020",
        "title": "A study",
        "pmid": str(10_000_000 + int(study_id.rsplit("-", 1)[1])),
        "design": "single_arm",
        "n_msc": "10",
        "summary": "Benefit.",
        "source_url": "https://example.org/x",
    }
    return (",".join(values.get(c, "") for c in columns) + "\n").encode()


def build(shape: str) -> tuple[str, bytes]:
    """(file name, bytes) of one upload of the given shape, as large as the limit allows."""
    limit = MAX_UPLOAD_BYTES - 1024
    header, columns = _studies_header()
    if shape == "one column":
        return "studies.csv", _repeat_to(b"1\n", limit, b"x\n")
    if shape == "two fields":
        return "studies.csv", _repeat_to(b"1,2\n", limit)
    if shape == "wrong field count":
        row = b"," * (len(columns) - 2) + b"\n"
        return "studies.csv", _repeat_to(row, limit, header + b"\n")
    if shape == "duplicate ids":
        return "studies.csv", _repeat_to(_study_row(columns, "sle-a-1"), limit, header + b"\n")
    if shape == "follow-up chain":
        rows, size, i = [header + b"\n"], 0, 0
        while size < limit:
            row = _study_row(columns, f"sle-s-{i}", f"sle-s-{i - 1}" if i else "")
            rows.append(row)
            size += len(row)
            i += 1
        return "studies.csv", b"".join(rows[:-1])
    if shape in ("deflate bomb", "zip of big CSV"):
        expand_to = 20 * MAX_UNZIPPED_BYTES if shape == "deflate bomb" else MAX_UNZIPPED_BYTES - 1024
        body = _repeat_to(_study_row(columns, "sle-a-1"), expand_to, header + b"\n")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
            archive.writestr("studies.csv", body)
        return "upload.zip", buffer.getvalue()
    raise ValueError(shape)


def _child(shape: str) -> None:
    """In a fresh process: the baseline after loading what the server always holds, then one check."""
    from components.evidence.upload import check_upload

    dictionary = read_dictionary()
    shipped = read_data_dir(DATA_DIR, dictionary)
    name, raw = build(shape)
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    check = check_upload([(name, raw)], dictionary, shipped)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "shape": shape,
                "upload_mb": len(raw) / 1024 / 1024,
                "seconds": seconds,
                "extra_mb": (peak - baseline) / 1024,
                "problems": len(check.problems),
                "verdict": check.verdict[0],
            }
        )
    )


def measure_uploads() -> list[dict]:
    results = []
    for shape in SHAPES:
        out = subprocess.run(
            [sys.executable, "-m", "bench.upload", "--child", shape],
            capture_output=True,
            text=True,
            timeout=600,
        )
        if out.returncode != 0:
            results.append({"shape": shape, "error": out.stderr.strip().splitlines()[-1:]})
        else:
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return results


def format_results(results: list[dict]) -> str:
    lines = [f"{'shape':20} {'upload':>8} {'seconds':>8} {'extra MB':>9} {'problems':>9}  verdict"]
    for r in results:
        if "error" in r:
            lines.append(f"{r['shape']:20} FAILED {r['error']}")
            continue
        lines.append(
            f"{r['shape']:20} {r['upload_mb']:7.1f}M {r['seconds']:8.2f} {r['extra_mb']:9.0f} {r['problems']:9d}  {r['verdict']}"
        )
    lines.append(f"goal: each ≤ {GOAL_S:.0f} s and ≤ {GOAL_MB:.0f} MB above the process's baseline")
    return "\n".join(lines)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        _child(sys.argv[2])
    else:
        print(format_results(measure_uploads()))
