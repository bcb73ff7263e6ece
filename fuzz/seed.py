"""Write seed inputs for the fuzz targets into `fuzz/corpus/<target>/` (which git ignores):
for `zip_tail`, small wheel-shaped zips (stored, deflated, zip64, METADATA first or last),
each prefixed with the target's 8-byte "bytes before the window" header (zero: the window is
the whole file); for the text parsers, one typical input each.

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

TEXT_SEEDS = {
    "core_metadata": "Metadata-Version: 2.1\nName: demo\nVersion: 1.0\n"
    "Requires-Dist: idna>=3; extra == \"x\"\nProvides-Extra: x\nRequires-Python: >=3.8\n"
    "Dynamic: Requires-Dist\n\nbody\n",
    "requirements_txt": "idna>=3 --hash=sha256:00\n-r other.txt\n-c c.txt\n"
    "foo[bar]==1.0 ; python_version < \"3.9\"\n--index-url https://x.invalid/simple\n-e .\n",
    "simple_json": '{"meta":{"api-version":"1.1"},"name":"demo","files":[{"filename":'
    '"demo-1.0-py3-none-any.whl","url":"../../files/demo-1.0-py3-none-any.whl","hashes":'
    '{"sha256":"ab"},"requires-python":">=3.8","upload-time":"2024-01-01T00:00:00Z","size":10,'
    '"yanked":"reason","core-metadata":{"sha256":"ef"}},{"filename":"demo-0.9.tar.gz","url":'
    '"https://x.invalid/demo-0.9.tar.gz","hashes":{},"yanked":false,"dist-info-metadata":true}]}',
    "simple_html": '<!DOCTYPE html><html><head><base href="https://x.invalid/"></head><body>\n'
    '<a href="../../files/demo-1.0-py3-none-any.whl#sha256=AA" data-requires-python="&gt;=3.8" '
    'data-core-metadata="sha256=cc">demo-1.0-py3-none-any.whl</a><br/>\n'
    "<A HREF='/files/Demo-0.9.tar.gz' data-yanked=\"bad &amp; old\">x</A>\n"
    "<a href=demo-0.8.zip data-dist-info-metadata=true>y</a></body></html>\n",
    "lock_readers": 'lock-version = "1.0"\ncreated-by = "tailwheel"\n\n[[packages]]\n'
    'name = "demo"\nversion = "1.0"\nindex = "https://x.invalid/simple/"\n'
    'wheels = [{ name = "demo-1.0-py3-none-any.whl", url = "https://x.invalid/f/demo-1.0-py3-none-any.whl", '
    'size = 10, hashes = { sha256 = "ab" } }]\n',
}
for target, text in TEXT_SEEDS.items():
    folder = os.path.join(os.path.dirname(__file__), "corpus", target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, "seed-text"), "w") as f:
        f.write(text)
print(f"wrote {len(TEXT_SEEDS)} text seeds")
