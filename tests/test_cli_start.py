"""`riskd --help`, `riskd-train --help` and `riskd screen` start without the heavy
libraries: sub-commands and their libraries are imported when they run."""

from __future__ import annotations

import subprocess
import sys

import click

from riskd.cli.main import COMMANDS, cli


def test_every_listed_command_exists_under_its_name() -> None:
    context = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(context, name)
        assert command is not None and command.name == name


def test_help_and_screen_import_neither_lightgbm_nor_polars() -> None:
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from riskd.cli.main import cli\n"
        "for args in (['--help'], ['screen', '--help']):\n"
        "    assert CliRunner().invoke(cli, args).exit_code == 0\n"
        "heavy = ('lightgbm', 'polars', 'sklearn', 'numpy', 'rich', 'pydantic')\n"
        "print(sorted(m for m in heavy if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr


def test_both_commands_tell_their_version() -> None:
    from click.testing import CliRunner

    from riskd import __version__
    from training.cli import cli as train_cli

    for command, name in ((cli, "riskd"), (train_cli, "riskd-train")):
        result = CliRunner().invoke(command, ["--version"])
        assert result.exit_code == 0 and result.output.strip() == f"{name}, version {__version__}"


def test_train_help_imports_neither_lightgbm_nor_polars() -> None:
    probe = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from training.cli import cli\n"
        "for args in (['--help'], ['fit', '--help'], ['evaluate', '--help']):\n"
        "    assert CliRunner().invoke(cli, args).exit_code == 0\n"
        "print(sorted(m for m in ('lightgbm', 'polars', 'sklearn', 'numpy') if m in sys.modules))\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]", done.stdout + done.stderr
