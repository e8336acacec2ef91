"""The benchmark cases through ftps's Python binding (bindings/python, `import ftps`).
Downloads go to an open file object (so /dev/null works and no temporary file or fsync
is involved, like the other clients); uploads read the local file by path (in Rust).
See common.py for the command line."""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from common import name, parse  # noqa: E402

import ftps  # noqa: E402


def main():
    a = parse()
    kw = {"max_tls": "1.2"} if a.tls12 else {}
    c = a.cmd
    with ftps.connect(a.host, a.port, mode=a.mode, user=a.user, password=a.password,
                      ca_file=a.ca, **kw) as ftp:
        if c[0] == "get":
            with open(c[2], "wb", buffering=0) as f:
                ftp.download(c[1], f)
        elif c[0] == "put":
            ftp.upload(c[1], c[2])
        elif c[0] == "many-get":
            for i in range(1, int(c[2]) + 1):
                with open(os.path.join(c[3], name(i)), "wb", buffering=0) as f:
                    ftp.download(f"{c[1]}/{name(i)}", f)
        elif c[0] == "many-put":
            for i in range(1, int(c[2]) + 1):
                ftp.upload(os.path.join(c[1], name(i)), f"{c[3]}/{name(i)}")
        elif c[0] == "list":
            ftp.listdir(c[1] if len(c) > 1 else None)
        ftp.quit()


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # noqa: BLE001
        print(f"ftps_py_bench: {type(e).__name__}: {e}", file=sys.stderr)
        sys.exit(1)
