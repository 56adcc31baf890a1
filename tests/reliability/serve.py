"""The app served by a threaded werkzeug server in a child process, so tests can SIGKILL it.

    SURVEY_ENGINE_DATABASE_URL=... python -m tests.reliability.serve PORT PIDFILE

The parent imports the app's modules once, holds the listening socket and forks a serving
child; when the child dies (a test killed it) the parent forks the next one, which builds a
fresh app (new engine, new connections).  This is how a pre-forking server such as gunicorn
with ``--preload`` replaces a dead worker; it keeps restarts to a fraction of a second on a
loaded machine.  Each child writes its pid to PIDFILE once it is ready to serve.
Settings come from the ``SURVEY_ENGINE_*`` environment, as in production.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
from pathlib import Path

from werkzeug.serving import make_server

from survey_engine.web import create_app


def _child(listener: socket.socket, pidfile: Path) -> None:
    server = make_server("127.0.0.1", listener.getsockname()[1], create_app(), threaded=True, fd=listener.fileno())
    temporary = pidfile.with_suffix(".tmp")
    temporary.write_text(str(os.getpid()))
    temporary.replace(pidfile)
    server.serve_forever()


def main() -> None:
    port, pidfile = int(sys.argv[1]), Path(sys.argv[2])
    listener = socket.create_server(("127.0.0.1", port), backlog=128)
    warm = create_app()  # imports every module once, before forking; its engine never connected
    warm.extensions["survey_engine.db"].engine.dispose()
    del warm
    while True:
        child = os.fork()
        if child == 0:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)
            _child(listener, pidfile)
            os._exit(0)
        os.waitpid(child, 0)


if __name__ == "__main__":
    main()
