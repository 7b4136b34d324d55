"""The `adql` command, as installed by pip: the same program as the Rust binary."""

import signal
import sys

from ._adql import run_cli


def main() -> None:
    """Runs `adql` with this process's arguments and exits with its status."""
    # Python's own SIGINT handler only sets a flag that nothing reads while the
    # command runs: restore the default, so that Ctrl-C ends the command as it
    # ends the binary (where the command handles Ctrl-C itself, it still does).
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    sys.exit(run_cli(["adql", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
