"""Command line shared by the Python benchmark clients (same as the Rust ftps-bench):

    CLIENT --host H --port P --mode explicit|implicit --ca PATH --user U --pass P [--tls12]
           (get REMOTE LOCAL | put LOCAL REMOTE | many-get RDIR N LDIR | many-put LDIR N RDIR
            | list [RDIR])

Prints nothing on success; an error goes to stderr with exit status 1."""
import argparse


def parse(argv=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--mode", choices=["explicit", "implicit"], default="explicit")
    ap.add_argument("--ca", required=True)
    ap.add_argument("--user", default="anonymous")
    ap.add_argument("--pass", dest="password", default="anonymous@")
    ap.add_argument("--tls12", action="store_true")
    ap.add_argument("cmd", nargs="+")
    a = ap.parse_args(argv)
    c = a.cmd
    ok = ((c[0] in ("get", "put") and len(c) == 3)
          or (c[0] in ("many-get", "many-put") and len(c) == 4)
          or (c[0] == "list" and len(c) <= 2))
    if not ok:
        ap.error(f"bad command {c!r}")
    return a


def name(i):
    return f"f{i:03d}.bin"
