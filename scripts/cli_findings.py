"""The findings' command-line options, built once from `cases.rules.FINDINGS`.

A command that takes findings declares one parameter `findings`; `takes_findings`
puts one option per finding in its place (`--sheds N`, `--residence/--no-residence`)
and hands the command the findings given, by finding name. A new finding thus
reaches every such command without editing it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Annotated, Any

import typer

from cases.rules import FINDINGS, Finding

_METAVARS = {"count": "N", "area": "M2"}


def _parameter(finding: Finding) -> inspect.Parameter:
    """The finding's option: a number given as text (the service checks it), or a yes/no switch."""
    if finding.kind == "flag":
        negative = f"--no-{finding.option.removeprefix('--')}"
        option = typer.Option(f"{finding.option}/{negative}", help=finding.help, show_default=False)
        annotation: Any = Annotated[bool | None, option]
    else:
        option = typer.Option(finding.option, metavar=_METAVARS[finding.kind], help=finding.help)
        annotation = Annotated[str | None, option]
    name = finding.option.removeprefix("--").replace("-", "_")
    return inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=None, annotation=annotation)


PARAMETERS: dict[str, inspect.Parameter] = {f.name: _parameter(f) for f in FINDINGS}


def takes_findings(command: Callable[..., Any]) -> Callable[..., Any]:
    """`command` with its `findings` parameter replaced by the findings' options."""
    signature = inspect.signature(command, eval_str=True)
    declared = list(signature.parameters.values())
    at = [p.name for p in declared].index("findings")  # ValueError: the command takes no findings
    rest = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for p in declared[at + 1:]]
    parameters = [*declared[:at], *PARAMETERS.values(), *rest]

    @functools.wraps(command)
    def with_findings(*args: Any, **values: Any) -> Any:
        given = {name: values.pop(p.name) for name, p in PARAMETERS.items()}
        findings = {name: value for name, value in given.items() if value is not None}
        return command(*args, findings=findings, **values)

    with_findings.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    with_findings.__annotations__ = {p.name: p.annotation for p in parameters}
    return with_findings
