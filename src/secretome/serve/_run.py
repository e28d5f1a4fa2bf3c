"""Running the workbench under uvicorn."""

from __future__ import annotations

from secretome.serve._app import create_app
from secretome.serve._settings import ServeSettings

__all__ = ["run_server"]


def run_server(settings: ServeSettings) -> None:
    """Open the store, build the app and serve it until interrupted (Ctrl-C).

    uvicorn is chosen for being the ASGI server Starlette's authors maintain; one process with a
    thread pool for the synchronous store calls serves a review team (benchmarks/serve_load.py).
    """
    import uvicorn

    app = create_app(settings)
    print(f"secretome workbench ({settings.mode.replace('_', '-')}) on http://{settings.host}:{settings.port}/")
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="warning", server_header=False)
