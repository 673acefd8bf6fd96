"""Running the command line inside the test process, as the tests of each command do."""

from micrograd_cbook.cli import main


def run(args, capsys):
    """main(args) → (exit code, stdout, stderr), whether it returns or raises SystemExit."""
    try:
        code = main(args)
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err
