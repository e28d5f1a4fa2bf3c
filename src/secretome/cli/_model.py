"""``secretome model ...``: the mechanistic model of OA cartilage under secretome therapy.

The model is imported inside each command, so that ``--help`` does not load it.
"""

from __future__ import annotations

import json
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from secretome._files import atomic_write_text
from secretome._limits import MAX_COHORT_SUBJECTS, MAX_SUBJECTS
from secretome.cli._conventions import CSV, Format, FormatOption, OutOption, checked_out, emit, progress_bar

app = typer.Typer(
    help="The mechanistic model: parameters, simulation, SBML, cohorts, sensitivity, calibration.", no_args_is_help=True
)

PresetOption = Annotated[str, typer.Option("--preset", help="Model preset (see `secretome model presets`).")]
SeedOption = Annotated[int, typer.Option(min=0, help="Random seed (>= 0).")]
SchedulerOption = Annotated[
    str,
    typer.Option(
        help="Where the work runs: local (this process), processes (a local Dask cluster, one worker per core) "
        "or a Dask scheduler address tcp://host:port. Results are the same on each."
    ),
]


class SensitivityMethod(StrEnum):
    sobol = "sobol"
    morris = "morris"


@app.command()
def presets(fmt: FormatOption = Format.text) -> None:
    """List the presets, one line each: organism, induction, protocol per joint, end time."""
    from secretome.model import preset_lines

    lines = preset_lines()
    if fmt is Format.json:
        typer.echo(json.dumps(dict(lines)))
        return
    width = max(len(name) for name, _ in lines)
    typer.echo("\n".join(f"{name:<{width}}  {line}" for name, line in lines))


@app.command()
def compare(
    regimen: Annotated[Path, typer.Option(help="Dosing regimen A (YAML).")],
    preset: PresetOption = "rat-mia",
    vs: Annotated[Path | None, typer.Option("--vs", help="Regimen B (YAML); default: untreated.")] = None,
    at_time: Annotated[float | None, typer.Option(help="Day of the comparison (default: the end).")] = None,
    subjects: Annotated[int, typer.Option(min=2, max=MAX_SUBJECTS, help="Virtual subjects for the bands.")] = 200,
    seed: SeedOption = 0,
    out: OutOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Regimen A minus untreated (or minus B) per readout, in absolute units, with paired 5-95% bands."""
    from secretome.model import compare as run_compare
    from secretome.model import preset as load_preset

    checked_out(out, "csv", CSV)
    result = run_compare(load_preset(preset), regimen, versus=vs, at_time=at_time, subjects=subjects, seed=seed)
    if out is not None:
        atomic_write_text(out, result.to_frame().to_csv(index=False))
    emit(result, fmt)


@app.command()
def params(preset: PresetOption = "rat-mia", fmt: FormatOption = Format.text) -> None:
    """List every parameter with value, unit and source, or `assumed` with its prior range."""
    from secretome.model import parameter_table
    from secretome.model import preset as load_preset

    emit(parameter_table(load_preset(preset)), fmt)


@app.command()
def simulate(
    preset: PresetOption = "rat-mia",
    regimen: Annotated[Path | None, typer.Option(help="Dosing regimen (YAML).")] = None,
    subjects: Annotated[int, typer.Option(min=1, max=MAX_SUBJECTS, help="Virtual subjects drawn from the priors.")] = 1,
    out: OutOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Simulate a preset under a dosing regimen; --out writes the tidy table as CSV."""
    from secretome.model import apply_regimen, draw_subjects
    from secretome.model import preset as load_preset
    from secretome.model import simulate as run_simulation

    checked_out(out, "csv", CSV)
    model = load_preset(preset) if regimen is None else apply_regimen(load_preset(preset), regimen)
    with progress_bar() as progress:
        result = run_simulation(
            model, parameters=draw_subjects(model, subjects) if subjects > 1 else None, progress=progress
        )
    if out is not None:
        atomic_write_text(out, result.to_frame().to_csv(index=False))
    emit(result, fmt)


@app.command("export-sbml")
def export_sbml(
    preset: PresetOption = "rat-mia",
    out: Annotated[Path, typer.Option("--out", help="SBML file to write.")] = Path("model.xml"),
) -> None:
    """Export a preset, dose events included, as SBML Level 3."""
    checked_out(out, "sbml", {".xml": "sbml", ".sbml": "sbml"})
    from secretome.model import preset as load_preset
    from secretome.model import to_sbml

    atomic_write_text(out, to_sbml(load_preset(preset)))
    typer.echo(f"wrote {out}")


@app.command()
def cohort(
    preset: PresetOption = "rat-mia",
    subjects: Annotated[int, typer.Option(min=2, max=MAX_COHORT_SUBJECTS)] = 1000,
    seed: SeedOption = 0,
    regimen: Annotated[Path | None, typer.Option(help="Dosing regimen (YAML).")] = None,
    scheduler: SchedulerOption = "local",
    out: OutOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Simulate a virtual cohort drawn from the parameter priors (prior-driven bands); --out writes the bands."""
    from secretome.model import cohort as run_cohort
    from secretome.model import preset as load_preset

    checked_out(out, "csv", CSV)
    with progress_bar() as progress:
        result = run_cohort(
            load_preset(preset), subjects=subjects, seed=seed, regimen=regimen, progress=progress, scheduler=scheduler
        )
    if out is not None:
        atomic_write_text(out, result.to_frame().to_csv(index=False))
    emit(result, fmt)


@app.command()
def sensitivity(
    preset: PresetOption = "rat-mia",
    method: Annotated[SensitivityMethod, typer.Option()] = SensitivityMethod.sobol,
    samples: Annotated[int, typer.Option(min=2, help="Sobol' N (a power of 2) or Morris trajectories.")] = 256,
    readout: Annotated[str | None, typer.Option(help="Readout analysed (default: the first).")] = None,
    at_time: Annotated[float | None, typer.Option(help="Time of the readout (default: the end).")] = None,
    seed: SeedOption = 0,
    readout_maps: Annotated[
        bool, typer.Option("--readout-maps", help="Vary the score maps' parameters too (default: mechanism only).")
    ] = False,
    scheduler: SchedulerOption = "local",
    out: OutOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Global sensitivity of a readout to the assumed parameters (SALib: Sobol or Morris); --out writes the table."""
    from secretome.model import preset as load_preset
    from secretome.model import sensitivity as run_sensitivity

    checked_out(out, "csv", CSV)
    with progress_bar() as progress:
        result = run_sensitivity(load_preset(preset), method=method.value, samples=samples, readout=readout,
                                 at_time=at_time, seed=seed, readout_maps=readout_maps, progress=progress,
                                 scheduler=scheduler)  # fmt: skip
    if out is not None:
        atomic_write_text(out, result.to_frame().to_csv(index=False))
    emit(result, fmt)


@app.command()
def calibrate(
    measurements: Annotated[Path, typer.Argument(help="CSV or PEtab-style TSV: observable, time, value, noise_sd.")],
    parameter: Annotated[list[str], typer.Option("--parameter", "-p", help="Parameter to fit (repeat).")],
    preset: PresetOption = "rat-mia",
    starts: Annotated[int, typer.Option(min=1, help="Multi-start optimisation runs.")] = 20,
    seed: Annotated[int, typer.Option(min=0, help="Random seed of the starts (>= 0).")] = 0,
    scheduler: SchedulerOption = "local",
    out: OutOption = None,
    fmt: FormatOption = Format.text,
) -> None:
    """Fit parameters to measurements, with profile-likelihood intervals; --out writes the estimates."""
    from secretome.model import calibrate as run_calibration
    from secretome.model import preset as load_preset

    checked_out(out, "csv", CSV)
    with progress_bar() as progress:
        result = run_calibration(load_preset(preset), measurements, parameters=parameter, starts=starts, seed=seed,
                                 progress=progress, scheduler=scheduler)  # fmt: skip
    if out is not None:
        atomic_write_text(out, result.to_frame().to_csv(index=False))
    emit(result, fmt)
