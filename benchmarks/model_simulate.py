"""Simulating a preset: secretome's scipy reference simulator vs libroadrunner on the exported SBML.

Usage: python benchmarks/model_simulate.py [--preset rat-mia-cm-weekly] [--subjects 20]

Draws --subjects parameter sets from the priors (``secretome.model.draw_subjects``, seed 0), then times
``secretome.model.simulate`` (LSODA, rtol 1e-10, atol 1e-12) and libroadrunner (CVODE, same
tolerances; ``reset`` + parameter update + ``simulate`` per subject, after one load and JIT compile,
which is timed separately) on the same 121 daily output times. Fails unless both agree on every
species to 1e-5 relative to the species' range. Prints one JSON line with the times and their ratio.
"""

from __future__ import annotations

import argparse
import json
import platform
import time

import numpy as np
import roadrunner

from secretome.model import draw_subjects, preset, simulate, to_sbml


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--preset", default="rat-mia-cm-weekly")
    parser.add_argument("--subjects", type=int, default=20)
    args = parser.parse_args()

    model = preset(args.preset)
    times = np.linspace(0.0, model.t_end, int(model.t_end) + 1)
    draws = draw_subjects(model, args.subjects, seed=0)

    start = time.perf_counter()
    ours = simulate(model, times=times, parameters=draws)
    t_ours = time.perf_counter() - start

    start = time.perf_counter()
    rr = roadrunner.RoadRunner(to_sbml(model))
    t_load = time.perf_counter() - start
    rr.integrator.relative_tolerance = 1e-10
    rr.integrator.absolute_tolerance = 1e-12
    rr.integrator.maximum_num_steps = 1_000_000
    theirs = np.empty_like(ours.values)
    start = time.perf_counter()
    for s in range(args.subjects):
        rr.resetAll()
        for name, values in draws.items():
            rr[name] = float(values[s])
        theirs[s] = np.asarray(rr.simulate(times=list(times)))[:, 1:]
    t_rr = time.perf_counter() - start

    scale = np.maximum(np.abs(theirs).max(axis=(0, 1)), 1e-3)
    worst = float((np.abs(ours.values - theirs).max(axis=(0, 1)) / scale).max())
    if worst > 1e-5:
        raise SystemExit(f"simulators disagree: largest relative difference {worst:.2e}")
    print(
        json.dumps(
            {
                "preset": args.preset,
                "subjects": args.subjects,
                "secretome_s_per_subject": t_ours / args.subjects,
                "roadrunner_s_per_subject": t_rr / args.subjects,
                "roadrunner_load_s": t_load,
                "ratio_secretome_over_roadrunner": t_ours / t_rr,
                "max_rel_difference": worst,
                "roadrunner": roadrunner.__version__,
                "python": platform.python_version(),
                "machine": platform.machine(),
            }
        )
    )


if __name__ == "__main__":
    main()
