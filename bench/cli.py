"""The benches' command lines: sizes that must be positive, and on/off flags."""
import argparse


def arguments(module, doc, argv, sizes, flags=None):
    """`argv` parsed for `python -m <module>`, described by the first line of its `doc`:
    `sizes` maps each option to (type, default, help), and a value that is not positive is
    refused; `flags` maps each on/off option to its help."""
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc.split("\n")[0])
    for name, (kind, default, meaning) in sizes.items():
        parser.add_argument(f"--{name}", type=kind, default=default, help=meaning)
    for name, meaning in (flags or {}).items():
        parser.add_argument(f"--{name}", action="store_true", help=meaning)
    args = parser.parse_args(argv)
    if any(getattr(args, name) <= 0 for name in sizes):
        parser.error(f"{', '.join('--' + name for name in sizes)} must be positive")
    return args
