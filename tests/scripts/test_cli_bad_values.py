"""Every command, every option, a table of bad values: one line of error, exit 2, 3 or 4, never a traceback.

The commands and their parameters come from the Typer app itself, so a new
command or option is covered at once: the test fails until this table says
which bad values it takes (or why it takes none).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scripts.cli import app
from tests.scripts.cli_commands import COMMANDS, GOOD, command_args
from tests.scripts.conftest import Demo

MISSING, FOLDER, EMPTY, BINARY, NO_DIR, A_FILE = (
    "<missing>", "<folder>", "<empty>", "<binary>", "<no-dir>", "<a-file>")
NUL, UNKNOWN = "a\0b", "nosuch"
HUGE, NEGATIVE, NOT_INT = "99999999999999999999", "-5", "x1"
BAD_DATES = ("2022-13-45", "soon")
INPUT_FILE = (MISSING, FOLDER, EMPTY, BINARY)
OUTPUT_FILE = (FOLDER, NO_DIR)
ID = (HUGE, NEGATIVE, NOT_INT, "99999999")

# Bad values by parameter name; "command param" entries win over the name alone.
BAD: dict[str, tuple[str, ...]] = {
    "code": (NUL, UNKNOWN), "codes": (NUL, UNKNOWN), "ref": (NUL, UNKNOWN), "street": (NUL, UNKNOWN),
    "streets": (NUL, UNKNOWN), "name": (NUL, UNKNOWN),
    "issues add ref": (NUL, "bad ref!"), "users add name": (NUL,),
    "text": (NUL,), "title": (NUL,), "finding": (NUL,), "lead": (NUL,), "partner": (NUL,), "note": (NUL,),
    "inspector": (NUL,), "owner": (NUL,), "host": (NUL,),
    "as_of": BAD_DATES, "at": BAD_DATES, "deadline": BAD_DATES, "opened": BAD_DATES, "due": BAD_DATES,
    "on": BAD_DATES,
    "format": (UNKNOWN,), "fmt": (UNKNOWN,), "lang": (UNKNOWN,), "kind": (UNKNOWN,), "status": (UNKNOWN,),
    "state": (UNKNOWN,), "on_invalid": (UNKNOWN,), "basemap": (UNKNOWN,), "role": (UNKNOWN,),
    "crs": (UNKNOWN, "EPSG:99999999"), "category": (UNKNOWN, "0"), "layer": (UNKNOWN,),
    "export layer": (NUL,),  # any name is a good name for the layer it writes
    "encoding": ("nosuch-encoding",),
    "code_field": (UNKNOWN,), "name_field": (UNKNOWN,), "street_field": (UNKNOWN,),
    "village_field": (UNKNOWN,), "wkt_field": (UNKNOWN,), "lon_field": (UNKNOWN,), "lat_field": (UNKNOWN,),
    "inspection_id": ID, "measure_id": ID, "port": (HUGE, NEGATIVE, NOT_INT), "workers": (HUGE, NEGATIVE),
    "lon": (NOT_INT,), "lat": (NOT_INT,),
    "file": INPUT_FILE, "measures": INPUT_FILE, "photo": INPUT_FILE,
    "issues export file": OUTPUT_FILE, "export out": OUTPUT_FILE,
    "map street out": (FOLDER, f"{A_FILE}/map.html"),  # a missing folder is made
    "output": OUTPUT_FILE, "report": OUTPUT_FILE, "rejected": OUTPUT_FILE,
    "demo out": (A_FILE,), "map all out": (A_FILE,),
    "backup out": OUTPUT_FILE, "restore archive": INPUT_FILE, "accept": ID,
    "user": (NUL, UNKNOWN), "expires": BAD_DATES, "collection": (NUL, UNKNOWN),
}
# Parameters with no bad value of their own here, and why.
NOT_HERE = {
    "db": "a missing or uninitialised store is a StoreError (exit 5), tested with the store",
    "sheds": "validation", "sheds_area": "validation", "hardened": "validation", "demolished": "validation",
    "rebuilt": "validation", "abandoned": "validation", "machinery": "validation", "vehicles": "validation",
    "replanted": "validation",  # numeric findings: the validation helper's tests
}

@dataclass(frozen=True)
class Case:
    command: str
    param: str
    value: str

    def __str__(self) -> str:
        return f"{self.command} {self.param}={self.value!r}"


def _cases() -> list[Case]:
    cases = []
    for name, command in COMMANDS.items():
        for param in command.params:
            if getattr(param, "is_flag", False) or param.name in NOT_HERE:
                continue
            values = BAD.get(f"{name} {param.name}", BAD.get(param.name or ""))
            if values is None:
                values = ("<no bad values listed: add this parameter to BAD or NOT_HERE>",)
            cases.extend(Case(name, param.name or "", value) for value in values)
    return cases


def test_every_command_has_good_values() -> None:
    assert set(COMMANDS) == set(GOOD), "add the new command to GOOD (and its parameters to BAD)"


@pytest.fixture(scope="module")
def demo_url(demo_built: Demo, tmp_path_factory: pytest.TempPathFactory) -> str:
    return demo_built.copy(tmp_path_factory.mktemp("bad-values"))


def _value(text: str, tmp: Path, data: Path, suffix: str) -> str:
    """A placeholder made real: files and folders in `tmp` with the suffix the parameter expects."""
    text = text.replace("<tmp>", str(tmp)).replace("<data>", str(data))
    if text == MISSING:
        return str(tmp / f"missing{suffix}")
    if text == FOLDER:
        (tmp / f"folder{suffix}").mkdir(exist_ok=True)
        return str(tmp / f"folder{suffix}")
    if text == EMPTY:
        (tmp / f"empty{suffix}").write_bytes(b"")
        return str(tmp / f"empty{suffix}")
    if text == BINARY:
        (tmp / f"binary{suffix}").write_bytes(bytes(range(256)) * 8)
        return str(tmp / f"binary{suffix}")
    if text == NO_DIR:
        return str(tmp / "no-such-folder" / f"out{suffix}")
    if text.startswith(A_FILE):
        (tmp / "a-file").write_text("x")
        return str(tmp / "a-file") + text.removeprefix(A_FILE)
    return text


@pytest.mark.parametrize("case", _cases(), ids=str)
def test_bad_value_is_one_line(case: Case, demo_url: str, demo_built: Demo, tmp_path: Path,
                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LANDPATROL_MEDIA", str(tmp_path / "media"))
    monkeypatch.setenv("COLUMNS", "100")
    good = dict(GOOD[case.command])
    suffix = Path(str(good.get(case.param, ""))).suffix or {"photo": ".jpg"}.get(case.param, ".csv")
    values: dict[str, str | list[str] | bool] = {
        k: _value(v, tmp_path, demo_built.out / "data", suffix) if isinstance(v, str) else v
        for k, v in good.items()}
    values[case.param] = _value(case.value, tmp_path, demo_built.out / "data", suffix)
    argv = ["--db", demo_url, *case.command.split(), *command_args(COMMANDS[case.command], values)]
    result = CliRunner().invoke(app, argv, input="a-long-password\n")
    output = result.output.strip()
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert result.exit_code in (2, 3, 4), f"exit {result.exit_code}: {output}"
    assert len(output.splitlines()) == 1 and output.startswith("landpatrol: error: "), output
