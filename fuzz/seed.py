"""Write seed inputs for the `zip_tail` fuzz target: small wheel-shaped zips (stored,
deflated, zip64, METADATA first or last), each prefixed with the target's 8-byte
"bytes before the window" header (zero: the window is the whole file).

    python3 fuzz/seed.py && cargo +nightly fuzz run zip_tail
"""
import io
import os
import zipfile

OUT = os.path.join(os.path.dirname(__file__), "corpus", "zip_tail")
METADATA = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: idna>=3\n"


def wheel(compression, zip64, metadata_first, padding):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=compression) as archive:
        files = [("demo/__init__.py", b"x = 1\n" * padding)]
        dist = [("demo-1.0.dist-info/METADATA", METADATA), ("demo-1.0.dist-info/RECORD", b"")]
        for name, data in (dist + files if metadata_first else files + dist):
            with archive.open(name, "w", force_zip64=zip64) as entry:
                entry.write(data)
    return buffer.getvalue()


os.makedirs(OUT, exist_ok=True)
count = 0
for compression in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
    for zip64 in (False, True):
        for metadata_first in (False, True):
            for padding in (1, 200):
                data = bytes(8) + wheel(compression, zip64, metadata_first, padding)
                with open(os.path.join(OUT, f"seed-{count}"), "wb") as f:
                    f.write(data)
                count += 1
print(f"wrote {count} seeds to {OUT}")
