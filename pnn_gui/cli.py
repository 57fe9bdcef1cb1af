"""Command line: ``pnn-gui [--version | examples | export NAME | screenshot NAME |
check NAME | sheet NAME]`` (``python main.py`` or ``python -m pnn_gui`` in a checkout).

A failing command exits non-zero with one line on stderr and no traceback.
"""

from __future__ import annotations

import argparse
import sys


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # one line, no usage block
        raise _CliError(f"{self.prog}: {message} (see --help)")


class _CliError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="pnn-gui", description="Step through neural-network passes. "
                "With no command, opens the app.")
    # not argparse's "version" action: looking the version up costs ~30 ms on every start
    p.add_argument("--version", action="store_true", help="print the version and exit")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)
    sub.add_parser("examples", help="list the examples: name, then a description")
    e = sub.add_parser("export", help="write an example's tensors as CSV")
    e.add_argument("name")
    e.add_argument("--out", required=True, help="CSV file for the tensors")
    e.add_argument("--steps", help="also write the step log to this CSV file")
    e.add_argument("--spec", help="network only: a network spec (JSON) to export instead of the "
                                  "example")
    e.add_argument("--digits", default="4",
                   help="significant digits of the step log's formulas (1-17; default 4; the "
                        "result column keeps every digit)")
    _add_seed_option(e)
    s = sub.add_parser("screenshot", help="render the window with an example, offscreen, to PNG")
    s.add_argument("name")
    s.add_argument("--step", default="last", help="step number (1-based), 0 for none, or 'last'")
    s.add_argument("--out", required=True, help="PNG file")
    s.add_argument("--size", default="1400x900", help="window size WxH (at least 1280x800)")
    s.add_argument("--digits", default="4", help="significant digits shown (1-17; default 4)")
    _add_practice_commands(sub)
    return p


def version() -> str:
    """The installed version (the distribution's metadata); in a checkout that was never
    installed, pyproject.toml's."""
    from importlib import metadata
    try:
        return metadata.version("pnn-gui")
    except metadata.PackageNotFoundError:
        import tomllib
        from pathlib import Path
        try:
            pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
            return tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]["version"]
        except (OSError, ValueError, KeyError):
            return "unknown (not installed)"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    try:
        args = _parser().parse_args(argv)
        if args.version:
            print(f"pnn-gui {version()}")
            return 0
        if args.command is None:
            from pnn_gui.app import run_app
            return run_app()
        if args.command == "examples":
            return _cmd_examples()
        if args.command == "export":
            return _cmd_export(args)
        if args.command == "check":
            return _cmd_check(args)
        if args.command == "sheet":
            return _cmd_sheet(args)
        if args.command == "screenshot":
            from engine import examples
            examples.load(args.name)  # an unknown name fails here, before Qt starts
            args.digits = _digits(args.digits)
            from pnn_gui.screenshot import screenshot_command
            return screenshot_command(args)
    except (_CliError, ValueError) as exc:
        print(f"error: {exc}" if not str(exc).startswith("pnn-gui") else str(exc),
              file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # a bug of ours: still one line, and a distinct exit code
        print(f"error: internal error ({type(exc).__name__}: {exc})", file=sys.stderr)
        return 1
    return 0


def _cmd_examples() -> int:
    """Every example that loads; a damaged example file is named on stderr and the exit is 1."""
    from engine import examples
    damaged = []
    for name in examples.NAMES + examples.NETWORK_NAMES:
        try:
            ex = examples.load(name)
        except ValueError as exc:
            damaged.append(str(exc))
            continue
        print(f"{ex.name}\t{ex.description}")
    if damaged:
        print("error: damaged example file(s): " + "; ".join(damaged), file=sys.stderr)
        return 1
    return 0


def _digits(text: str) -> int:
    """--digits as an int from 1 to 17, or a one-line error."""
    from engine.steps import MAX_DIGITS, check_digits
    try:
        return check_digits(int(text))
    except ValueError:
        raise _CliError(f"--digits: expected a whole number from 1 to {MAX_DIGITS}, got "
                        f"{text!r}") from None


def _cmd_export(args) -> int:
    from pathlib import Path

    from engine import examples, export
    for option, path in (("--out", args.out), ("--steps", args.steps)):
        if path is not None and not path.strip():
            raise _CliError(f"{option}: expected a file name, got an empty one")
    if args.steps is not None and Path(args.steps).resolve() == Path(args.out).resolve():
        raise _CliError(f"--steps: {args.steps} is the --out file too; give the step log its "
                        "own file")
    from engine.steps import significant_digits
    with significant_digits(_digits(args.digits)):
        if args.spec is not None or args.name in examples.NETWORK_NAMES:
            if getattr(args, "seed", None) is not None:
                raise _CliError("--seed: exercises are drawn for the layer examples, not "
                                "for a network")
            tensors, steps = _network_export(args)
            settings, names = {}, {}
        else:
            trace = _exercise(args).solve()
            tensors, steps, settings, names = trace.tensors, trace.steps, trace.settings, \
                trace.names
    files = {args.out: export.tensors_csv(tensors, settings, names)}
    if args.steps is not None:
        files[args.steps] = export.steps_csv(steps)
    export.write_files_atomic(files)  # both or neither
    return 0


def _network_export(args):
    """``export network|mlp [--spec F.json]``: the chain's tensors (``L{i}.y``, ``L{i}.dx``, …)
    and, with ``--steps``, every layer's own worked steps in the order of the passes. A spec
    that does not fit raises a ValueError naming the layer and the problem (one line)."""
    from engine import examples, network, network_steps
    if args.spec is not None:
        if args.name != "network":
            raise _CliError(f"--spec: only with 'network' (export network --spec FILE), not with "
                            f"{args.name!r}")
        net = network.load_file(args.spec)
    else:
        net = network.parse(examples.load(args.name).inputs)
    result = network.run(net)
    steps = network_steps.worked(result).steps if args.steps is not None else []
    return result.tensors(), steps


# ---------------------------------------------------------------------------------------------
# Practice: export --seed, check, sheet


def _add_seed_option(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", help="fresh numbers: exercise #N (a whole number; the same N "
                        "gives the same exercise everywhere); without it, the example's own")


def _add_practice_commands(sub) -> None:
    c = sub.add_parser("check", help="check answers to an exercise (exit 0: all correct, 1: "
                       "something wrong)")
    c.add_argument("name")
    _add_seed_option(c)
    c.add_argument("--answers", required=True,
                   help="CSV file in the export format (tensor,index,value), any subset of the "
                        "asked tensors and cells")
    c.add_argument("--digits", default="4",
                   help="significant digits you work with (1-17; default 4): a value within half "
                        "a unit of the last one is right when that is looser than 0.1%%")
    h = sub.add_parser("sheet", help="write a printable exercise sheet (Markdown or PDF)")
    h.add_argument("name")
    _add_seed_option(h)
    h.add_argument("--out", required=True, help="FILE.md or FILE.pdf")
    h.add_argument("--solution", action="store_true",
                   help="add the worked solution (every step) and the results")
    h.add_argument("--digits", default="4",
                   help="significant digits of the solution's numbers (1-17; default 4)")


def _exercise(args):
    """The exercise ``args.name`` / ``args.seed`` names (a bad name or seed: ValueError)."""
    from engine import practice
    seed = getattr(args, "seed", None)
    if seed is not None:
        from engine.practice.exercises import check_seed
        try:
            seed = check_seed(seed)
        except ValueError as exc:
            raise _CliError(f"--seed: {str(exc).removeprefix('seed: ')}") from None
    return practice.exercise(args.name, seed)


def _cmd_check(args) -> int:
    """One line per answered tensor, one per recognised mistake; exit 0 when everything
    answered is right, 1 otherwise (2, raised as ValueError, for a bad file)."""
    from engine import practice
    from engine.practice import answers
    tolerance = practice.Tolerance(digits=_digits(args.digits))
    ex = _exercise(args)
    result = practice.check(ex, answers.read_file(args.answers, ex), tolerance)
    for line in result.lines():
        print(line)
    return 0 if result.all_correct else 1


def _cmd_sheet(args) -> int:
    if not args.out.strip():
        raise _CliError("--out: expected a file name, got an empty one")
    digits = _digits(args.digits)
    from pnn_gui.sheet_pdf import save_sheet
    save_sheet(_exercise(args), args.out, solution=args.solution, digits=digits)
    return 0
